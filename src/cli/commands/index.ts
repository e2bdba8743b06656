/** Every `linewise` sub-command, in the order `linewise --help` lists them. Add new commands here. */
import type { Command } from "../command.js";
import { compareCommand } from "./compare.js";
import { demoCommand } from "./demo.js";
import { dpoCommand } from "./dpo.js";
import { envCommand } from "./env.js";
import { evalCommand } from "./eval.js";
import { execCommand } from "./exec.js";
import { grpoCommand } from "./grpo.js";
import { exportCommand } from "./export.js";
import { labelCommand } from "./label.js";
import { ppoCommand } from "./ppo.js";
import { reportCommand } from "./report.js";
import { serveExecCommand } from "./serve-exec.js";
import { serveModelCommand } from "./serve-model.js";
import { servePrmCommand } from "./serve-prm.js";
import { sftCommand } from "./sft.js";
import { suiteCommand } from "./suite.js";
import { trainPrmCommand } from "./train-prm.js";
import { viewCommand } from "./view.js";

export const commands: Command[] = [
  demoCommand,
  envCommand,
  execCommand,
  suiteCommand,
  sftCommand,
  evalCommand,
  labelCommand,
  exportCommand,
  serveModelCommand,
  serveExecCommand,
  servePrmCommand,
  trainPrmCommand,
  ppoCommand,
  grpoCommand,
  dpoCommand,
  compareCommand,
  reportCommand,
  viewCommand,
];
