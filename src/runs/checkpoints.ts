/**
 * A run's checkpoints: `checkpoints/step-N/` folders, each the model checkpoint plus the trainer's files and,
 * written last, `trainer.json` (the step, data position, learning rate, …). A folder is complete exactly when
 * it has `trainer.json`; it appears under its final name only once complete (see atomic.ts), so a killed
 * run leaves at worst a dot-prefixed partial folder that is never picked for a resume.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeDirAtomic } from "./atomic.js";

/** A complete checkpoint of a run. */
export interface CheckpointInfo {
  step: number;
  dir: string;
  /** The parsed trainer.json. */
  trainer: Record<string, unknown>;
}

/** The file that marks a checkpoint folder complete. */
export const trainerStateFile = "trainer.json";

const stepFolder = /^step-(\d+)$/;

/** The checkpoints folder of a run. */
export function checkpointsDir(runDir: string): string {
  return join(runDir, "checkpoints");
}

/** The folder of a run's checkpoint of step `step`. */
export function checkpointDir(runDir: string, step: number): string {
  return join(checkpointsDir(runDir), `step-${step}`);
}

/** Complete checkpoints of a run, oldest first. */
export function listCheckpoints(runDir: string): CheckpointInfo[] {
  const root = checkpointsDir(runDir);
  if (!existsSync(root)) return [];
  const found: CheckpointInfo[] = [];
  for (const name of readdirSync(root)) {
    const match = stepFolder.exec(name);
    const dir = join(root, name);
    const statePath = join(dir, trainerStateFile);
    if (!match || !existsSync(statePath)) continue;
    let trainer: Record<string, unknown>;
    try {
      trainer = JSON.parse(readFileSync(statePath, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${statePath}: not valid JSON (${(e as Error).message}); delete this checkpoint folder to resume from an older one`);
    }
    found.push({ step: Number(match[1]), dir, trainer });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint of a run, or null when it has none. */
export function latestCheckpoint(runDir: string): CheckpointInfo | null {
  return listCheckpoints(runDir).at(-1) ?? null;
}

/**
 * Writes `checkpoints/step-N/` atomically: `write` fills the folder (model, optimiser state), then
 * trainer.json is added and the folder renamed into place. Afterwards only the newest `keep` remain.
 */
export function writeCheckpoint(runDir: string, step: number, trainer: Record<string, unknown>, write: (dir: string) => void, keep: number): string {
  const dir = checkpointDir(runDir, step);
  writeDirAtomic(dir, (partial) => {
    write(partial);
    writeFileSync(join(partial, trainerStateFile), JSON.stringify({ step, ...trainer }, null, 2) + "\n");
  });
  for (const old of listCheckpoints(runDir).slice(0, -Math.max(1, keep))) rmSync(old.dir, { recursive: true, force: true });
  return dir;
}
