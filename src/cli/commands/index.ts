/** Every `linewise` sub-command, in the order `linewise --help` lists them. Add new commands here. */
import type { Command } from "../command.js";
import { demoCommand } from "./demo.js";
import { envCommand } from "./env.js";
import { execCommand } from "./exec.js";
import { suiteCommand } from "./suite.js";

export const commands: Command[] = [demoCommand, envCommand, execCommand, suiteCommand];
