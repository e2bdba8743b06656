/**
 * The run layer every trainer shares (DESIGN.md, "Training": run folder, config check on resume,
 * checkpoints, Ctrl-C), so each trainer file keeps only its algorithm:
 *
 * - `openTrainingRun`: a resumed run must be the same training on the same data — the config may differ
 *   from the run's config.json only in its length field, and the data's fingerprint must match the one in
 *   the newest checkpoint's trainer.json;
 * - `Checkpoints`: writes checkpoints/step-N (the trainer's files, then trainer.json) and remembers the
 *   newest, so a run stopped by its signal ends on a checkpoint of its last completed step;
 * - `saveOptimizer` / `loadOptimizer`: AdamW's moments and step as safetensors in a checkpoint folder;
 * - `nextTurn`: the pause at a step boundary that lets a Ctrl-C handler run.
 */
import { join } from "node:path";
import { loadSafetensors, saveSafetensors, type AdamW } from "../torch/index.js";
import { ConfigError, RunFolder, checkResumedConfig, latestCheckpoint } from "../runs/index.js";
import { DataParallel } from "./distributed.js";

/** What a run trains on, as a resume compares it. */
export interface RunData {
  /** dataFingerprint(...) of the rows. */
  fingerprint: string;
  /** The trainer.json field it is saved under ("data", "pairs", "problems"). */
  field: string;
  /** What the error calls the rows and how to resume, e.g. "problems" and "the same problems file". */
  what: string;
  remedy: string;
}

/**
 * Opens `runDir` for `config`. With `resume` and a checkpoint there, refuses a config that differs from the
 * run's in anything but `lengthField`, and data whose fingerprint differs; without `resume`, a used folder
 * is refused (RunFolder.open). The run's `resumedFrom` is the checkpoint to continue from.
 */
export function openTrainingRun<C extends object>(
  runDir: string,
  config: C,
  options: { resume?: boolean; lengthField: keyof C & string; data: RunData; world?: DataParallel },
): RunFolder {
  const world = options.world ?? DataParallel.single;
  const previous = options.resume ? latestCheckpoint(runDir) : null;
  if (previous) {
    // The global batch split over another number of ranks is the same training only to float rounding,
    // and a resume promises the same computation (trainer.json has worldSize only when it is above 1).
    const trained = Number(previous.trainer.worldSize ?? 1);
    if (trained !== world.size)
      throw new ConfigError(
        `${runDir}: the run was trained by ${trained} rank${trained === 1 ? "" : "s"}, not ${world.size}; resume it with ${trained === 1 ? "one process (no --nproc, WORLD_SIZE unset)" : `--nproc ${trained} (or WORLD_SIZE=${trained})`}`,
      );
    checkResumedConfig(runDir, config, options.lengthField);
    const { field, fingerprint, what, remedy } = options.data;
    if (previous.trainer[field] !== fingerprint)
      throw new ConfigError(
        `${runDir}: the ${what} differ from those the run was trained on; resume with ${remedy}`,
      );
  }
  if (!world.isMain) return RunFolder.follow(runDir, { resume: options.resume, worldSize: world.size });
  return RunFolder.open(runDir, config, { resume: options.resume, worldSize: world.size });
}

/** A run's checkpoints as a trainer writes them: `write` fills a folder, `state` gives trainer.json's fields. */
export class Checkpoints {
  /** The newest checkpoint written or resumed from; null before the first. */
  latest: { step: number; dir: string } | null;

  constructor(
    private readonly run: RunFolder,
    private readonly keep: number,
    private readonly write: (dir: string) => void,
    private readonly state: () => Record<string, unknown>,
  ) {
    const from = run.resumedFrom;
    this.latest = from ? { step: from.step, dir: from.dir } : null;
  }

  /** Writes checkpoints/step-`step` atomically and keeps the newest `keep`; returns the folder. */
  save(step: number): string {
    const dir = this.run.saveCheckpoint(step, this.state(), this.write, this.keep);
    this.latest = { step, dir };
    return dir;
  }

  /** The checkpoint of `step`, written unless it is the newest already (a run stopped early, or with nothing left to do). */
  finish(step: number): string {
    return this.latest?.step === step ? this.latest.dir : this.save(step);
  }
}

/** Writes `opt`'s moments to `path` with its step in the metadata. */
export function saveOptimizer(path: string, opt: AdamW): void {
  saveSafetensors(path, opt.stateTensors(), { optimizerStep: String(opt.step) });
}

/** Restores `opt`'s moments and step from a file `saveOptimizer` wrote. */
export function loadOptimizer(path: string, opt: AdamW): void {
  const saved = loadSafetensors(path);
  try {
    opt.loadState(Number(saved.metadata.optimizerStep), saved.tensors);
  } finally {
    for (const t of saved.tensors.values()) t.dispose();
  }
}

/** The file in a checkpoint folder that holds a trainer's (only) optimiser. */
export function optimizerFile(dir: string): string {
  return join(dir, "trainer.safetensors");
}

/** Yields to the event loop at a step boundary, so a Ctrl-C handler can abort the signal and stderr can drain. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
