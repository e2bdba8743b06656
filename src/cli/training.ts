/** Plumbing shared by the training commands (sft, train-prm, dpo, ppo): config files, counts, checkpoints, Ctrl-C. */
import { readFileSync } from "node:fs";
import { readCheckpointConfig } from "../model/index.js";
import { ppoDefaults, type PpoConfig } from "../train/ppo.js";
import { ConfigError, RunFolderError, resolveConfig } from "../runs/index.js";
import { numberOption } from "./args.js";
import { UsageError } from "./command.js";

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
 * Their `ppo` field holds only the settings laid over every arm's preset, so it is checked against all of
 * PPO's fields and keeps just those given.
 */
export function readPipelineConfig<T extends { ppo: Partial<PpoConfig> }>(
  base: T,
  file: string,
  command: string,
): T {
  const json = readConfigFile({ ...base, ppo: { ...ppoDefaults, ...base.ppo } }, file, command);
  const given = (JSON.parse(readFileSync(file, "utf8")) as { ppo?: Partial<PpoConfig> }).ppo ?? {};
  return { ...json, ppo: { ...base.ppo, ...given } };
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
