/** Plumbing shared by the training commands (sft, train-prm, dpo, ppo, grpo): config files, counts, checkpoints, resumes, Ctrl-C. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readCheckpointConfig } from "../model/index.js";
import { ppoDefaults, type PpoConfig } from "../train/ppo.js";
import { grpoDefaults, type GrpoConfig } from "../train/grpo.js";
import { precisions, type Precision } from "../train/mixed-precision.js";
import {
  ConfigError,
  RunFolderError,
  readRunConfig,
  resolveConfig,
  resumableFields,
  runConfigFile,
} from "../runs/index.js";
import type { SandboxExecutor } from "../exec/index.js";
import { openExecutor } from "./executor-option.js";
import {
  loadProblems,
  MalformedRowError,
  ProblemFileError,
  problemFormats,
  type ProblemFormat,
} from "../problems/loaders/index.js";
import type { Problem } from "../problems/types.js";
import { numberOption, requiredOption } from "./args.js";
import { UsageError } from "./command.js";
import { writeRunReport } from "./run-report.js";
import { ranksFor } from "./launch.js";
import { DataParallel } from "../train/distributed.js";

/** `defaults` with the fields of the JSON object in `file` laid over them; `kind` names the trainer ("SFT"). */
export function readConfigFile<T extends object>(defaults: T, file: string, kind: string): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(
      `${file}: cannot read the config (${reason}); expected a JSON object of ${kind} fields`,
    );
  }
  return resolveConfig(defaults, json, file);
}

/**
 * A pipeline's settings (demo, compare) with a `--config` file laid over them, checked like a trainer config.
 * Their `ppo` and `grpo` fields hold only the settings laid over every arm's preset, so each is checked
 * against all of its trainer's fields and keeps just those given.
 */
export function readPipelineConfig<T extends { ppo: Partial<PpoConfig>; grpo: Partial<GrpoConfig> }>(
  base: T,
  file: string,
  command: string,
): T {
  const json = readConfigFile(
    { ...base, ppo: { ...ppoDefaults, ...base.ppo }, grpo: { ...grpoDefaults, ...base.grpo } },
    file,
    command,
  );
  const given = JSON.parse(readFileSync(file, "utf8")) as {
    ppo?: Partial<PpoConfig>;
    grpo?: Partial<GrpoConfig>;
  };
  return {
    ...json,
    ppo: { ...base.ppo, ...given.ppo },
    grpo: { ...base.grpo, ...given.grpo },
  };
}

/** A run-length option (--steps, --epochs, --iterations): a positive integer, or undefined when not given. */
export function countOption(command: string, option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption(command, option, value, 0);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`linewise ${command}: --${option} expects a positive integer, got '${value}'`);
  return n;
}

/** The folder `--option` names, checked to be a model checkpoint; undefined when the option is not given. */
export function checkpointOption(
  command: string,
  option: string,
  dir: string | undefined,
): string | undefined {
  if (dir === undefined) return undefined;
  try {
    readCheckpointConfig(dir);
  } catch (e) {
    throw new UsageError(`linewise ${command}: --${option}: ${(e as Error).message}`);
  }
  return dir;
}

/**
 * Ctrl-C during training: the first aborts `signal`, so the trainer stops after the current `boundary`
 * and writes a checkpoint the run can resume from; a second quits at once. Call `release` when done.
 */
export function stopOnInterrupt(
  command: string,
  boundary: "step" | "iteration",
): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error(
      `\n${command}: stopping after this ${boundary} and writing a checkpoint (Ctrl-C again to quit now)`,
    );
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  return { signal: controller.signal, release: () => process.off("SIGINT", interrupt) };
}

/** `e` as a one-line UsageError when the user caused it (a config or run-folder error, or one of `inputErrors`), else `e`. */
export function asUsageError(
  e: unknown,
  ...inputErrors: (abstract new (...args: never[]) => Error)[]
): unknown {
  if ([ConfigError, RunFolderError, ...inputErrors].some((kind) => e instanceof kind))
    return new UsageError((e as Error).message);
  return e;
}

/**
 * A resumed RL run's config: RUN/config.json laid over `defaults`. Only --iterations,
 * --gradient-checkpointing and --precision may change: any other config flag (`flags`), --preset or --config is refused,
 * and the checkpoint options (--policy, --prm) must name the run's own.
 */
export function resumedRunConfig<T extends object>(
  command: string,
  out: string,
  defaults: T,
  values: Record<string, unknown>,
  flags: Partial<T>,
  checkpoints: readonly (keyof T & string)[],
): T {
  const file = join(out, runConfigFile);
  const changed = [
    ...Object.keys(flags).filter((k) => k !== "iterations" && !resumableFields.includes(k)),
    ...(values.preset !== undefined ? ["preset"] : []),
    ...(values.config !== undefined ? ["config"] : []),
  ];
  if (changed.length > 0)
    throw new UsageError(
      `linewise ${command}: --resume takes the config from ${file}; drop the options that change it (${changed.join(", ")}); only --iterations, --gradient-checkpointing and --precision may change`,
    );
  const config = resolveConfig(defaults, readRunConfig(out), file);
  for (const option of checkpoints) {
    const given = values[option] as string | undefined;
    if (given !== undefined && given !== config[option])
      throw new UsageError(
        `linewise ${command}: --${option} ${given} differs from the run's ${option} ${String(config[option])} (${file}); drop --${option} to resume`,
      );
  }
  return { ...config, ...flags };
}

/**
 * The body of an RL command (ppo, grpo): checks --problems, --out, --format and the checkpoint options,
 * builds the config (`configFor(resuming, out)`), loads the problems, trains with Ctrl-C stopping after the
 * iteration in flight, reports the training pass rate and prints the final checkpoint on stdout. Returns
 * the exit code: 0 when done, 130 when stopped. With `argv` (a trainer that splits its batches over
 * data-parallel ranks), `--nproc N` starts N ranks of the command, and a rank joins the others (launch.ts).
 */
export async function runRlCommand<C>(
  command: string,
  values: Record<string, string | boolean | string[] | undefined>,
  configFor: (resuming: boolean, out: string) => C,
  train: (
    config: C,
    problems: Problem[],
    runDir: string,
    options: { resume: boolean; signal: AbortSignal; executor: SandboxExecutor; world?: DataParallel },
  ) => Promise<{ checkpoint: string; iteration: number; stopped: boolean; metrics: { passRate: number }[] }>,
  argv?: readonly string[],
): Promise<number> {
  const problemsFile = requiredOption(command, "problems", values.problems as string | undefined);
  const out = requiredOption(command, "out", values.out as string | undefined);
  const format = values.format as ProblemFormat | undefined;
  if (format && !problemFormats.includes(format))
    throw new UsageError(`linewise ${command}: --format must be one of ${problemFormats.join(", ")}`);
  const resuming = values.resume === true && existsSync(join(out, runConfigFile));
  if (!resuming) requiredOption(command, "policy", values.policy as string | undefined);
  for (const option of ["policy", "prm"])
    checkpointOption(command, option, values[option] as string | undefined);

  const world = argv
    ? await ranksFor(command, values.nproc as string | undefined, argv)
    : DataParallel.single;
  if (typeof world === "number") return world;
  const interrupt = stopOnInterrupt(command, "iteration");
  const executor = openExecutor(command, values as Parameters<typeof openExecutor>[1], { cacheDir: null });
  try {
    const config = configFor(resuming, out);
    const { problems } = await loadProblems(problemsFile, format, {
      capture: executor.capture.bind(executor),
    });
    const result = await train(config, problems, out, {
      resume: values.resume === true,
      signal: interrupt.signal,
      executor,
      world,
    });
    const last = result.metrics.at(-1);
    const first = result.metrics[0];
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.error(
      `${command}: ${result.stopped ? "stopped" : "done"} at iteration ${result.iteration}` +
        (last && first
          ? `; training pass rate ${pct(first.passRate)} in this session's first iteration, ${pct(last.passRate)} in its last`
          : ""),
    );
    if (world.isMain) writeRunReport(command, out);
    console.log(result.checkpoint);
    return result.stopped ? 130 : 0;
  } catch (e) {
    throw asUsageError(e, ProblemFileError, MalformedRowError);
  } finally {
    interrupt.release();
    await executor.close();
    world.close();
  }
}

/**
 * Readers of a command's config flags: `choice` (one of `allowed`), `onOff` (a boolean) and `number`, each
 * undefined when the flag is not given and a one-line UsageError naming the flag when it is malformed.
 */
export function flagReaders(
  command: string,
  values: Record<string, string | boolean | string[] | undefined>,
) {
  const choice = <T extends string>(option: string, allowed: readonly T[]): T | undefined => {
    const value = values[option] as string | undefined;
    if (value !== undefined && !allowed.includes(value as T))
      throw new UsageError(
        `linewise ${command}: --${option} expects ${allowed.join(" or ")}, got '${value}'`,
      );
    return value as T | undefined;
  };
  const onOff = (option: string): boolean | undefined => {
    const value = choice(option, ["on", "off"] as const);
    return value === undefined ? undefined : value === "on";
  };
  const number = (option: string): number | undefined =>
    values[option] === undefined ? undefined : numberOption(command, option, values[option] as string, 0);
  /** --chat-template: "none" is null (a base model's plain prompt); "auto" or a .jinja file as given. */
  const chatTemplate = (): string | null | undefined => {
    const value = values["chat-template"] as string | undefined;
    return value === "none" ? null : value;
  };
  return { choice, onOff, number, chatTemplate };
}

/**
 * `--gradient-checkpointing on|off` and `--precision float32|bfloat16` as config fields to lay over the
 * config (nothing for an option not given). Both may change when a run is resumed.
 */
export function resumableFlags(
  command: string,
  values: Record<string, string | boolean | string[] | undefined>,
): { gradientCheckpointing?: boolean; precision?: Precision } {
  const { onOff, choice } = flagReaders(command, values);
  const on = onOff("gradient-checkpointing");
  const precision = choice("precision", precisions);
  return {
    ...(on === undefined ? {} : { gradientCheckpointing: on }),
    ...(precision === undefined ? {} : { precision }),
  };
}

/** The parseArgs spec of the options `resumableFlags` reads. */
export const resumableOptions = {
  "gradient-checkpointing": { type: "string" },
  precision: { type: "string" },
} as const;

/** Their lines in a command's --help. */
export const resumableHelp = `  --gradient-checkpointing on|off  recompute each decoder layer in the backward (less memory, ~1 more forward); may change on --resume
  --precision float32|bfloat16     compute in bfloat16 with float32 master weights (half the memory of weights and
                                   activations); checkpoints stay float32; may change on --resume`;
