/** `linewise train-prm`: trains a process reward model on label records into a run folder. */
import { writeRunReport } from "../run-report.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LabelFileError, readLabels } from "../../labels/records.js";
import { selectionStrategies, type SelectionStrategy } from "../../labels/selection.js";
import { readRunConfig, resolveConfig, runConfigFile } from "../../runs/index.js";
import { prmDefaults, trainPrm, type PrmConfig, type PrmLoss, type PrmMetrics } from "../../train/prm.js";
import { parseOptions, requiredOption } from "../args.js";
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

const name = "train-prm";

const help = `Usage: linewise train-prm --labels FILE --init CKPT --out RUN [--eval-labels FILE] [--loss mse|bce]
                          [--select full|remove-hard|medium-only|revised-only] [--config FILE] [--resume] [--steps N]
                          [--gradient-checkpointing on|off] [--precision float32|bfloat16] [--nproc N]

Trains a process reward model: the backbone of CKPT with a scalar head reads prompt + response and is
trained at each step's end token (the token holding the step's last character) against the step's label.
A seeded share of the problems is held out (or --eval-labels gives problems of their own); the held-out
accuracy per class (sign of the output vs the label), AUC and accuracy by step position are logged to
RUN/metrics.jsonl and printed at the end.
Progress goes to stderr; the final checkpoint folder is printed on stdout. Ctrl-C stops after the
current step and writes a checkpoint, so the run can be resumed.

Options:
  --labels FILE  label records (JSONL, from 'linewise label' with completion or mutation labels)
  --init CKPT    the checkpoint to start from: a policy (its LM head is replaced by a fresh scalar head)
                 or a value model / PRM (a fresh head too, unless the config sets "keepHead": true)
  --out RUN      the run folder: config.json, metrics.jsonl, TensorBoard events, checkpoints/step-N/
                 (each a PRM checkpoint: config.json, model.safetensors, tokenizer.json, prm.json)
  --eval-labels FILE  label records of other problems to evaluate on instead of a held-out share of
                 --labels (all of which then trains): a fixed set on which PRMs trained on different
                 labels compare. An AUC over a handful of held-out problems swings widely from one
                 split to another. Give it again with --resume.
  --loss L       mse (default): regression onto labels +1/-1/0, neutral steps included (PSGPO);
                 bce: binary cross-entropy on the +1/-1 steps only (PRLCoder)
  --select S     which training records to use (PSGPO's data selection; held-out records are all scored):
                 full (default), remove-hard, medium-only, revised-only
  --config FILE  JSON fields laid over the defaults below, e.g. {"steps": 600, "lr": 5e-4}
  --resume       continue RUN from its newest checkpoint with the config in RUN/config.json
  --steps N      total optimiser steps (overrides the config); with --resume it may extend the run
${resumableHelp}
${nprocHelp(17)}

Config fields and defaults (each field is documented in src/train/prm.ts, PrmConfig):
${Object.entries(prmDefaults)
  .map(([field, value]) => `  ${field}: ${JSON.stringify(value)}`)
  .join("\n")}

Example:
  linewise train-prm --labels runs/labels/labels.jsonl --init runs/sft/checkpoints/step-600 --out runs/prm
  tensorboard --logdir runs/prm`;

export const trainPrmCommand: Command = {
  name,
  summary: "train a process reward model on label records (a run folder with PRM checkpoints)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      labels: { type: "string" },
      "eval-labels": { type: "string" },
      init: { type: "string" },
      out: { type: "string" },
      loss: { type: "string" },
      select: { type: "string" },
      config: { type: "string" },
      resume: { type: "boolean" },
      steps: { type: "string" },
      ...resumableOptions,
      ...nprocOption,
    });
    const labelsFile = requiredOption(name, "labels", values.labels);
    const out = requiredOption(name, "out", values.out);
    const resume = values.resume === true;
    const resuming = resume && existsSync(join(out, runConfigFile));
    if (!resuming) requiredOption(name, "init", values.init);
    if (values.loss !== undefined && values.loss !== "mse" && values.loss !== "bce")
      throw new UsageError(`linewise ${name}: --loss expects mse or bce, got '${values.loss}'`);
    if (values.select !== undefined && !(selectionStrategies as readonly string[]).includes(values.select)) {
      throw new UsageError(
        `linewise ${name}: --select expects one of ${selectionStrategies.join(", ")}, got '${values.select}'`,
      );
    }
    const steps = countOption(name, "steps", values.steps);
    if (!existsSync(labelsFile))
      throw new UsageError(
        `linewise ${name}: --labels ${labelsFile}: no such file; write one with 'linewise label'`,
      );
    const evalFile = values["eval-labels"];
    if (evalFile !== undefined && !existsSync(evalFile))
      throw new UsageError(
        `linewise ${name}: --eval-labels ${evalFile}: no such file; write one with 'linewise label' on other problems`,
      );
    checkpointOption(name, "init", values.init);
    const world = await ranksFor(name, values.nproc, argv);
    if (typeof world === "number") return world;

    const interrupt = stopOnInterrupt(name, "step");
    try {
      const flags: Partial<PrmConfig> = {
        ...(values.init !== undefined ? { init: values.init } : {}),
        ...(values.loss !== undefined ? { loss: values.loss as PrmLoss } : {}),
        ...(values.select !== undefined ? { select: values.select as SelectionStrategy } : {}),
        ...(steps !== undefined ? { steps } : {}),
        ...resumableFlags(name, values),
      };
      const config = { ...readConfig(out, values.config, resuming), ...flags };
      const records = readLabels(labelsFile);
      if (records.length === 0)
        throw new UsageError(`linewise ${name}: ${labelsFile} holds no label records`);
      const evalRecords = evalFile === undefined ? undefined : readLabels(evalFile);
      if (evalRecords?.length === 0)
        throw new UsageError(`linewise ${name}: --eval-labels ${evalFile} holds no label records`);
      const result = await trainPrm(config, records, out, {
        resume,
        signal: interrupt.signal,
        world,
        evalRecords,
      });
      console.error(
        `${name}: ${result.stopped ? "stopped" : "done"} at step ${result.step}${result.loss === null ? "" : `, recent training loss ${result.loss.toFixed(4)}`}`,
      );
      if (result.heldOut)
        console.error(
          describeHeldOut(
            result.heldOut,
            result.problems.heldOut,
            evalFile === undefined ? "held out" : "eval labels",
          ),
        );
      if (world.isMain) writeRunReport(name, out);
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

/** The config: the run's own when resuming it, else the defaults with --config's fields. */
function readConfig(out: string, configFile: string | undefined, resuming: boolean): PrmConfig {
  if (resuming) {
    if (configFile !== undefined)
      throw new UsageError(
        `linewise ${name}: --resume takes the config from ${join(out, runConfigFile)}; drop --config (only --steps may change)`,
      );
    return resolveConfig(prmDefaults, readRunConfig(out), join(out, runConfigFile));
  }
  return configFile === undefined ? prmDefaults : readConfigFile(prmDefaults, configFile, "PRM");
}

/** Held-out metrics as a few lines for stderr. */
function describeHeldOut(m: PrmMetrics, problems: number, what: string): string {
  const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);
  return [
    `${what} (${problems} problems, ${m.steps} labelled steps): accuracy +1 ${pct(m.accuracyPositive)}, −1 ${pct(m.accuracyNegative)}, ` +
      `balanced ${pct(m.balancedAccuracy)}, AUC ${m.auc === null ? "n/a" : m.auc.toFixed(3)}` +
      (m.neutralMeanAbs === null ? "" : `, neutral mean |score| ${m.neutralMeanAbs.toFixed(3)}`),
    `  by step: ${m.byPosition.map((b) => `${b.bucket}: ${pct(b.accuracy)} (${b.steps})`).join(", ")}`,
  ].join("\n");
}
