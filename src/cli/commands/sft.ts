/** `linewise sft`: supervised fine-tuning of the policy on prompt/completion pairs into a run folder. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MalformedRowError, ProblemFileError } from "../../problems/loaders/rows.js";
import { readRunConfig, resolveConfig, runConfigFile } from "../../runs/index.js";
import { sftDefaults, trainSft, type SftConfig } from "../../train/sft.js";
import { readSftData } from "../../train/sft-data.js";
import { parseOptions, requiredOption } from "../args.js";
import { nprocHelp, nprocOption, ranksFor } from "../launch.js";
import { UsageError, type Command } from "../command.js";
import {
  asUsageError,
  countOption,
  resumableFlags,
  resumableHelp,
  resumableOptions,
  readConfigFile,
  stopOnInterrupt,
} from "../training.js";

const name = "sft";

const help = `Usage: linewise sft --data FILE --out RUN [--config FILE] [--resume] [--steps N]
                    [--gradient-checkpointing on|off] [--precision float32|bfloat16] [--nproc N]

Supervised fine-tuning: trains the policy to continue each prompt with its completion. An example is
<bos> prompt completion <eos>; the loss covers the completion and the end token only. Without a
tokenizer or init checkpoint in the config, a byte-level BPE is trained on the data and a new model is
built. Progress goes to stderr; the final checkpoint folder is printed on stdout. Ctrl-C stops after the
current step and writes a checkpoint, so the run can be resumed.

Options:
  --data FILE    JSONL rows {"prompt", "completion"}, or Problem rows with a "solution" (e.g. from
                 'linewise suite'), trained as the prompt followed by the reference response (the
                 solution after its starter code: for the suite, the function body)
  --out RUN      the run folder: config.json, metrics.jsonl, TensorBoard events, checkpoints/step-N/
                 (each a model checkpoint: config.json, model.safetensors, tokenizer.json)
  --config FILE  JSON fields laid over the defaults below, e.g. {"steps": 2000, "model": {"dModel": 192}}
  --resume       continue RUN from its newest checkpoint with the config in RUN/config.json
  --steps N      total optimiser steps (overrides the config); with --resume it may extend the run,
                 and the cosine schedule is stretched to the new length from the resumed step on
${resumableHelp}
${nprocHelp(17)}

Config fields and defaults (each field is documented in src/train/sft.ts, SftConfig):
${Object.entries(sftDefaults)
  .map(([field, value]) => `  ${field}: ${JSON.stringify(value)}`)
  .join("\n")}

Example:
  linewise suite --out data/train.jsonl --n 1000
  linewise sft --data data/train.jsonl --out runs/sft --steps 800
  tensorboard --logdir runs/sft`;

export const sftCommand: Command = {
  name,
  summary: "supervised fine-tuning of the policy on prompt/completion pairs (a run folder with checkpoints)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      data: { type: "string" },
      out: { type: "string" },
      config: { type: "string" },
      resume: { type: "boolean" },
      steps: { type: "string" },
      ...resumableOptions,
      ...nprocOption,
    });
    const dataFile = requiredOption(name, "data", values.data);
    const out = requiredOption(name, "out", values.out);
    const steps = countOption(name, "steps", values.steps);
    const checkpointing = resumableFlags(name, values);
    const world = await ranksFor(name, values.nproc, argv);
    if (typeof world === "number") return world;

    const interrupt = stopOnInterrupt(name, "step");
    try {
      const config = { ...readConfig(out, values.config, values.resume === true, steps), ...checkpointing };
      const data = readSftData(dataFile);
      const result = await trainSft(config, data, out, {
        resume: values.resume === true,
        signal: interrupt.signal,
        world,
      });
      const evalText = result.evalLoss === null ? "" : `, eval loss ${result.evalLoss.toFixed(4)}`;
      console.error(
        `sft: ${result.stopped ? "stopped" : "done"} at step ${result.step}${result.loss === null ? "" : `, recent training loss ${result.loss.toFixed(4)}`}${evalText}`,
      );
      console.log(result.checkpoint);
      return result.stopped ? 130 : 0;
    } catch (e) {
      throw asUsageError(e, ProblemFileError, MalformedRowError);
    } finally {
      interrupt.release();
      world.close();
    }
  },
};

/** The config: the run's own when resuming it, else the defaults with --config's fields; then --steps. */
function readConfig(
  out: string,
  configFile: string | undefined,
  resume: boolean,
  steps: number | undefined,
): SftConfig {
  let config: SftConfig;
  if (resume && existsSync(join(out, runConfigFile))) {
    if (configFile !== undefined)
      throw new UsageError(
        `linewise ${name}: --resume takes the config from ${join(out, runConfigFile)}; drop --config (only --steps may change)`,
      );
    config = resolveConfig(sftDefaults, readRunConfig(out), join(out, runConfigFile));
  } else if (configFile !== undefined) {
    config = readConfigFile(sftDefaults, configFile, "SFT");
  } else {
    config = sftDefaults;
  }
  return steps === undefined ? config : { ...config, steps };
}
