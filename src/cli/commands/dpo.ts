/** `linewise dpo`: step-level DPO of a policy on chosen/rejected pairs into a run folder. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LabelFileError } from "../../labels/records.js";
import { readRunConfig, resolveConfig, runConfigFile } from "../../runs/index.js";
import { dpoDefaults, trainDpo, type DpoConfig } from "../../train/dpo.js";
import { readDpoPairs, readWholeResponsePairs } from "../../train/dpo-data.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { nprocHelp, nprocOption, ranksFor } from "../launch.js";
import { UsageError, type Command } from "../command.js";
import {
  asUsageError,
  checkpointOption,
  countOption,
  resumableFlags,
  resumableHelp,
  resumableOptions,
  readConfigFile,
  stopOnInterrupt,
} from "../training.js";

const name = "dpo";

const help = `Usage: linewise dpo --policy CKPT (--pairs FILE | --labels FILE)... --out RUN [--beta X] [--epochs N]
                    [--config FILE] [--resume] [--gradient-checkpointing on|off] [--precision float32|bfloat16] [--nproc N]

Direct preference optimisation: the policy learns to prefer each pair's chosen step over its rejected step
after the same context (the problem's prompt and the response so far), relative to the frozen starting
policy; the loss is −log σ(β·margin) (PRLCoder §3.2's step-level DPO). A seeded share of the problems is
held out. Metrics (loss, rewards/margins, rewards/chosen, rewards/rejected, rewards/accuracies,
logps/chosen, logps/rejected, and the same on the held-out pairs as eval/…) go to RUN/metrics.jsonl and
TensorBoard. Progress goes to stderr; the final checkpoint folder is printed on stdout. Ctrl-C stops after
the current step and writes a checkpoint, so the run can be resumed.

Options:
  --policy CKPT   the policy to train (an SFT or PPO checkpoint); also the frozen reference
  --pairs FILE    step pairs JSONL {problemId, prompt, chosen, rejected, …} as 'linewise label' writes them
                  with mutation labels (prompt = the problem's prompt followed by the steps before the pair's
                  step); repeat for several files
  --labels FILE   also whole-response pairs from completion label records: per problem, each failing response
                  against a passing one (each followed by the end token); repeatable
  --out RUN       the run folder: config.json, metrics.jsonl, TensorBoard events, checkpoints/step-N/
  --beta X        β of the DPO loss (default ${dpoDefaults.beta})
  --epochs N      passes over the training pairs (overrides the config); with --resume it may extend the run
${resumableHelp}
${nprocHelp(18)}
  --config FILE   JSON fields laid over the defaults below, e.g. {"lr": 5e-5, "batchSize": 32}
  --resume        continue RUN from its newest checkpoint with the config in RUN/config.json

Config fields and defaults (each field is documented in src/train/dpo.ts, DpoConfig):
${Object.entries(dpoDefaults)
  .map(([field, value]) => `  ${field}: ${JSON.stringify(value)}`)
  .join("\n")}

Example:
  linewise dpo --policy runs/sft/checkpoints/step-600 --pairs runs/labels/pairs.jsonl --out runs/dpo
  tensorboard --logdir runs/dpo`;

export const dpoCommand: Command = {
  name,
  summary: "step-level DPO of a policy on chosen/rejected pairs (a run folder with checkpoints)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      policy: { type: "string" },
      pairs: { type: "string", multiple: true },
      labels: { type: "string", multiple: true },
      out: { type: "string" },
      beta: { type: "string" },
      epochs: { type: "string" },
      config: { type: "string" },
      resume: { type: "boolean" },
      ...resumableOptions,
      ...nprocOption,
    });
    const out = requiredOption(name, "out", values.out);
    const resuming = values.resume === true && existsSync(join(out, runConfigFile));
    if (!resuming) requiredOption(name, "policy", values.policy);
    if (!values.pairs?.length && !values.labels?.length)
      throw new UsageError(
        `linewise ${name}: give --pairs FILE (step pairs) or --labels FILE (completion labels), or both`,
      );
    const beta = values.beta === undefined ? undefined : numberOption(name, "beta", values.beta, 0);
    if (beta !== undefined && !(beta > 0))
      throw new UsageError(`linewise ${name}: --beta expects a positive number, got '${values.beta}'`);
    const epochs = countOption(name, "epochs", values.epochs);
    checkpointOption(name, "policy", values.policy);
    const world = await ranksFor(name, values.nproc, argv);
    if (typeof world === "number") return world;

    const interrupt = stopOnInterrupt(name, "step");
    try {
      const config = readConfig(out, values.config, resuming, values.policy, {
        ...(beta !== undefined ? { beta } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...resumableFlags(name, values),
      });
      const pairs = [
        ...(values.pairs ?? []).flatMap(readDpoPairs),
        ...(values.labels ?? []).flatMap(readWholeResponsePairs),
      ];
      if (pairs.length === 0) throw new UsageError(`linewise ${name}: the pairs files hold no pairs`);
      const result = await trainDpo(config, pairs, out, {
        resume: values.resume === true,
        signal: interrupt.signal,
        world,
      });
      const held = result.eval;
      console.error(
        `${name}: ${result.stopped ? "stopped" : "done"} at step ${result.step} of ${result.steps}` +
          (held
            ? `; held out (${result.pairs.eval} pairs): accuracy ${(100 * held["rewards/accuracies"]).toFixed(1)}%, margin ${held["rewards/margins"].toFixed(3)}, loss ${held.loss.toFixed(4)}`
            : ""),
      );
      console.log(result.checkpoint);
      return result.stopped ? 130 : 0;
    } catch (e) {
      throw asUsageError(e, LabelFileError);
    } finally {
      interrupt.release();
      world.close();
    }
  },
};

/** The config: the run's own when resuming it (only --epochs may change), else the defaults with --config's fields, then the flags. */
function readConfig(
  out: string,
  configFile: string | undefined,
  resuming: boolean,
  policy: string | undefined,
  flags: Partial<DpoConfig>,
): DpoConfig {
  if (resuming) {
    const file = join(out, runConfigFile);
    if (configFile !== undefined || flags.beta !== undefined)
      throw new UsageError(
        `linewise ${name}: --resume takes the config from ${file}; drop --config and --beta (only --epochs, --gradient-checkpointing and --precision may change)`,
      );
    const config = resolveConfig(dpoDefaults, readRunConfig(out), file);
    if (policy !== undefined && policy !== config.policy)
      throw new UsageError(
        `linewise ${name}: --policy ${policy} differs from the run's policy ${config.policy} (${file}); drop --policy to resume`,
      );
    return { ...config, ...flags };
  }
  const config = configFile === undefined ? dpoDefaults : readConfigFile(dpoDefaults, configFile, "DPO");
  return { ...config, ...flags, policy: policy! };
}
