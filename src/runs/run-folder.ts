/**
 * Run folders (DESIGN.md, "Formats"): `config.json` (the full resolved config), `metrics.jsonl`,
 * TensorBoard event files and `checkpoints/step-N/`. Any run can be resumed from its newest checkpoint.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { checkpointDir, checkpointsDir, latestCheckpoint, writeCheckpoint, type CheckpointInfo } from "./checkpoints.js";
import { MetricsLog, metricsFile, type MetricsRow } from "./metrics.js";

import { RunFolderError } from "./run-folder-error.js";
import { lockFolder } from "./lock.js";

export { RunFolderError };

export const runConfigFile = "config.json";

/** An open run: where metrics go and checkpoints are written. Close it when training ends. */
export class RunFolder {
  private readonly metrics: MetricsLog | null;

  private constructor(
    readonly dir: string,
    /** The checkpoint this session continues from; null for a fresh start. */
    readonly resumedFrom: CheckpointInfo | null,
    /** Data-parallel ranks training this run (src/train/distributed.ts); 1 for one process. */
    readonly worldSize = 1,
    /** false on a data-parallel run's other ranks: only rank 0 writes the folder. */
    readonly writer = true,
    /** Releases the folder's lock (lock.ts), which the writer holds while the run is open. */
    private readonly unlock: () => void = () => {},
  ) {
    this.metrics = writer ? new MetricsLog(dir) : null;
    if (resumedFrom) this.metrics?.rewindTo(resumedFrom.step);
    else if (existsSync(join(dir, metricsFile))) this.metrics?.rewindTo(0);
  }

  /**
   * The run folder as a data-parallel run's rank other than 0 sees it: the checkpoint to resume from (read
   * from the same folder: a shared file system), and no writes — rank 0 makes and fills the folder.
   */
  static follow(dir: string, options: { resume?: boolean; worldSize: number }): RunFolder {
    return new RunFolder(dir, options.resume ? latestCheckpoint(dir) : null, options.worldSize, false);
  }

  /**
   * Opens `dir` for training with `config` (written to config.json). `resume`: continue from the newest
   * checkpoint when there is one (a fresh start otherwise). Without it, a folder that already holds a run
   * is refused rather than overwritten.
   */
  static open(dir: string, config: unknown, options: { resume?: boolean; worldSize?: number } = {}): RunFolder {
    const latest = latestCheckpoint(dir);
    if (!options.resume && (latest || existsSync(join(dir, runConfigFile)))) {
      throw new RunFolderError(`${dir}: already holds a run (${runConfigFile}${latest ? `, checkpoint step ${latest.step}` : ""}); resume it or choose another folder`);
    }
    mkdirSync(dir, { recursive: true });
    // before anything is removed or written: the half-written files may be a live process's
    const unlock = lockFolder(dir, "a training run");
    removePartials(dir);
    removePartials(checkpointsDir(dir));
    writeFileAtomic(join(dir, runConfigFile), JSON.stringify(config, null, 2) + "\n");
    return new RunFolder(dir, options.resume ? latest : null, options.worldSize ?? 1, true, unlock);
  }

  /** Appends a row to metrics.jsonl and its numbers to the TensorBoard event file. */
  log(row: MetricsRow): void {
    this.metrics?.log(row);
  }

  /**
   * Writes checkpoints/step-N atomically: `write` fills the folder, then `trainer` becomes trainer.json.
   * Only the newest `keep` checkpoints remain. Returns the folder.
   */
  saveCheckpoint(step: number, trainer: Record<string, unknown>, write: (dir: string) => void, keep: number): string {
    if (!this.writer) return checkpointDir(this.dir, step);
    // trainer.json records a data-parallel run's world size, which its resume must keep
    const state = this.worldSize > 1 ? { ...trainer, worldSize: this.worldSize } : trainer;
    return writeCheckpoint(this.dir, step, state, write, keep);
  }

  close(): void {
    this.metrics?.close();
    this.unlock();
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
