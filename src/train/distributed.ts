/**
 * Data parallelism for the trainers (README, "Data-parallel training"): N processes ("ranks") train one
 * model as one process would on the same global batch. Each rank holds the whole model; rank 0's
 * parameters are broadcast at the start; each rank computes the loss of its share of every global batch,
 * scaled so that the shares add up to the global loss, and the gradients are summed over the ranks
 * (bucketed all-reduce) before clipping and the optimiser step, which every rank then takes alike — the
 * scheme of PyTorch's DistributedDataParallel (Li et al. 2020, "PyTorch Distributed", VLDB).
 *
 * Ranks meet as torchrun's do: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (env.ts); `--nproc N` on a
 * training command starts N local ranks with these set (src/cli/launch.ts). One process is the world of
 * size 1, where every method here is a no-op.
 */
import { envVars } from "../env.js";
import { ProcessGroup, tensor, type Rendezvous, type Tensor } from "../torch/index.js";

/** How long a rank waits for the others at the rendezvous and in a collective: torch's default, 30 minutes. */
const timeoutMs = 30 * 60 * 1000;

/** The key that tags a non-finite number in `gather`'s JSON. */
const nonFinite = "__linewiseNonFinite";

/** A bad rendezvous variable: the message names it and says what it must be. */
export class WorldEnvError extends Error {
  override name = "WorldEnvError";
}

/** The torchrun variables, checked: null when WORLD_SIZE is unset (one process). */
export function rendezvousFromEnv(env: Partial<typeof envVars> = envVars): Rendezvous | null {
  if (env.WORLD_SIZE === undefined) return null;
  const integer = (
    name: "WORLD_SIZE" | "RANK" | "LOCAL_RANK" | "MASTER_PORT",
    min: number,
    max: number,
  ): number => {
    const text = env[name];
    const n = Number(text);
    if (text === undefined || text.trim() === "" || !Number.isInteger(n) || n < min || n > max)
      throw new WorldEnvError(
        `${name}=${text ?? "(unset)"}: must be an integer from ${min} to ${max} (torchrun's rendezvous: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE)`,
      );
    return n;
  };
  const size = integer("WORLD_SIZE", 1, 65536);
  const rank = integer("RANK", 0, size - 1);
  if (env.LOCAL_RANK !== undefined) integer("LOCAL_RANK", 0, size - 1);
  if (size === 1) return null;
  const addr = env.MASTER_ADDR?.trim();
  if (!addr) throw new WorldEnvError("MASTER_ADDR is unset: set it to rank 0's host name or address");
  const port = integer("MASTER_PORT", 1, 65535);
  return { addr, port, rank, size, timeoutMs, iface: env.GLOO_SOCKET_IFNAME?.trim() || null };
}

/** This process's place among the ranks, and the collectives the trainers call (no-ops for one process). */
export class DataParallel {
  private constructor(
    private readonly group: ProcessGroup | null,
    /** This process's rank, 0 … size − 1. */
    readonly rank: number,
    /** Ranks in all (WORLD_SIZE). */
    readonly size: number,
  ) {}

  /** One process: the world of size 1. */
  static readonly single = new DataParallel(null, 0, 1);

  /** Joins the world the environment describes (WORLD_SIZE unset or 1: one process). */
  static async fromEnv(env: Partial<typeof envVars> = envVars): Promise<DataParallel> {
    const r = rendezvousFromEnv(env);
    if (!r) return DataParallel.single;
    const group = await ProcessGroup.join(r);
    return new DataParallel(group, r.rank, r.size);
  }

  /** Rank 0 writes the run folder: metrics, samples, checkpoints. */
  get isMain(): boolean {
    return this.rank === 0;
  }

  /** This rank's block of n items, [start, end): contiguous, so the blocks in rank order are the whole. */
  range(n: number): { start: number; end: number } {
    return {
      start: Math.floor((n * this.rank) / this.size),
      end: Math.floor((n * (this.rank + 1)) / this.size),
    };
  }

  /** This rank's share of a global batch (its `range`). */
  share<T>(rows: readonly T[]): T[] {
    const { start, end } = this.range(rows.length);
    return rows.slice(start, end);
  }

  /** Rank 0's values into every rank's parameters, so all ranks start alike. */
  async broadcastParams(params: readonly Tensor[]): Promise<void> {
    if (this.group) await this.group.broadcast(params, 0);
  }

  /** Sums the gradients over the ranks: each rank's loss is already its share of the global loss. */
  async allReduceGrads(params: readonly Tensor[]): Promise<void> {
    if (this.group) await this.group.allReduceGrads(params);
  }

  /** Each value summed over the ranks (float64). */
  async sum(values: readonly number[]): Promise<number[]> {
    if (!this.group || values.length === 0) return [...values];
    const t = tensor(Float64Array.from(values), { dtype: "float64" });
    try {
      await this.group.allReduceSum([t]);
      return Array.from(t.data() as Float64Array);
    } finally {
      t.dispose();
    }
  }

  /**
   * Every rank's rows, concatenated in rank order: with each rank holding its `share`, the global list.
   * Rows travel as JSON, whose numbers read back to the same doubles; JSON has no NaN or ±Infinity (a
   * log-probability may be −Infinity), so those travel tagged.
   */
  async gather<T>(rows: readonly T[]): Promise<T[]> {
    if (!this.group) return [...rows];
    const json = JSON.stringify(rows, (_, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v) ? { [nonFinite]: String(v) } : v,
    );
    const parts = await this.group.allGatherBytes(new TextEncoder().encode(json));
    const decoder = new TextDecoder();
    return parts.flatMap(
      (p) =>
        JSON.parse(decoder.decode(p), (_, v: unknown) =>
          v !== null && typeof v === "object" && nonFinite in v
            ? Number((v as Record<string, string>)[nonFinite])
            : v,
        ) as T[],
    );
  }

  /** Whether any rank's signal has stopped it: every rank then stops at the same step boundary. */
  async stopped(signal: AbortSignal | undefined): Promise<boolean> {
    const mine = signal?.aborted ? 1 : 0;
    return this.group ? (await this.sum([mine]))[0]! > 0 : mine === 1;
  }

  /** Waits for every rank (say, before rank 0's checkpoint is read). */
  async barrier(): Promise<void> {
    if (this.group) await this.group.barrier();
  }

  close(): void {
    this.group?.close();
  }
}
