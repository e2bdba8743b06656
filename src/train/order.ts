/** Seeded orders and data fingerprints shared by the trainers, so a resumed run sees the same batches. */
import { createHash } from "node:crypto";
import { Rng } from "../problems/suite/random.js";

/** 0 … n − 1 in a Fisher–Yates order seeded by `key`. */
export function shuffled(n: number, key: string): number[] {
  const rng = new Rng(key);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Epoch `epoch`'s order of n rows for `trainer`, seeded by (seed, epoch), so any step's batch is known. */
export function epochOrder(trainer: string, n: number, seed: number, epoch: number): number[] {
  return shuffled(n, `${trainer}/${seed}/epoch/${epoch}`);
}

/** A short hash of the rows a run trains on (the JSON of `fields(row)` each), saved with its checkpoints. */
export function dataFingerprint<T>(rows: readonly T[], fields: (row: T) => unknown): string {
  const hash = createHash("sha256");
  for (const row of rows) hash.update(JSON.stringify(fields(row)));
  return hash.digest("hex").slice(0, 16);
}
