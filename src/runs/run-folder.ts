/**
 * Run folders (DESIGN.md, "Formats"): `config.json` (the full resolved config), `metrics.jsonl`,
 * TensorBoard event files and `checkpoints/step-N/`. Any run can be resumed from its newest checkpoint.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { checkpointsDir, latestCheckpoint, writeCheckpoint, type CheckpointInfo } from "./checkpoints.js";
import { MetricsLog, metricsFile, type MetricsRow } from "./metrics.js";

/** A run folder that cannot be used as asked (it already holds a run, its config is unreadable, …). */
export class RunFolderError extends Error {
  override name = "RunFolderError";
}

export const runConfigFile = "config.json";

/** An open run: where metrics go and checkpoints are written. Close it when training ends. */
export class RunFolder {
  private readonly metrics: MetricsLog;

  private constructor(
    readonly dir: string,
    /** The checkpoint this session continues from; null for a fresh start. */
    readonly resumedFrom: CheckpointInfo | null,
  ) {
    this.metrics = new MetricsLog(dir);
    if (resumedFrom) this.metrics.rewindTo(resumedFrom.step);
    else if (existsSync(join(dir, metricsFile))) this.metrics.rewindTo(0);
  }

  /**
   * Opens `dir` for training with `config` (written to config.json). `resume`: continue from the newest
   * checkpoint when there is one (a fresh start otherwise). Without it, a folder that already holds a run
   * is refused rather than overwritten.
   */
  static open(dir: string, config: unknown, options: { resume?: boolean } = {}): RunFolder {
    const latest = latestCheckpoint(dir);
    if (!options.resume && (latest || existsSync(join(dir, runConfigFile)))) {
      throw new RunFolderError(`${dir}: already holds a run (${runConfigFile}${latest ? `, checkpoint step ${latest.step}` : ""}); resume it or choose another folder`);
    }
    mkdirSync(dir, { recursive: true });
    removePartials(dir);
    removePartials(checkpointsDir(dir));
    writeFileAtomic(join(dir, runConfigFile), JSON.stringify(config, null, 2) + "\n");
    return new RunFolder(dir, options.resume ? latest : null);
  }

  /** Appends a row to metrics.jsonl and its numbers to the TensorBoard event file. */
  log(row: MetricsRow): void {
    this.metrics.log(row);
  }

  /**
   * Writes checkpoints/step-N atomically: `write` fills the folder, then `trainer` becomes trainer.json.
   * Only the newest `keep` checkpoints remain. Returns the folder.
   */
  saveCheckpoint(step: number, trainer: Record<string, unknown>, write: (dir: string) => void, keep: number): string {
    return writeCheckpoint(this.dir, step, trainer, write, keep);
  }

  close(): void {
    this.metrics.close();
  }
}

/** The config.json of a run folder, parsed; a RunFolderError names the file when it is missing or not JSON. */
export function readRunConfig(dir: string): unknown {
  const path = join(dir, runConfigFile);
  if (!existsSync(path)) throw new RunFolderError(`${path}: not found; is ${dir} a run folder?`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RunFolderError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Drops what killed sessions left half-written (dot-prefixed `.NAME.partial-PID` files and folders). */
function removePartials(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (/^\..*\.partial-\d+/.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
}
