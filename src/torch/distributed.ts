/**
 * torch.distributed's c10d, as far as data-parallel training needs it (native/distributed.cc): a TCPStore
 * rendezvous, a Gloo process group, and collectives that resolve when every rank has taken part. They run
 * on a worker thread, so awaiting one keeps the event loop (progress bar, Ctrl-C) alive.
 */
import { native, type GroupHandle } from "./native.js";
import type { Tensor } from "./tensor.js";

/** Bytes per bucket of a bucketed collective: DistributedDataParallel's default bucket_cap_mb, 25 MiB. */
export const bucketBytes = 25 << 20;

/** Where a rank meets the others, as torchrun's MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE say. */
export interface Rendezvous {
  addr: string;
  port: number;
  rank: number;
  size: number;
  /** How long a collective (and the rendezvous) may wait for the other ranks. */
  timeoutMs: number;
  /** GLOO_SOCKET_IFNAME: the interface the other ranks reach this one on. */
  iface: string | null;
}

/** Why this build of the addon cannot train across processes, or null when it can. */
export function distributedUnsupported(): string | null {
  return native.distributedSupport() || null;
}

export class ProcessGroup {
  private constructor(
    private readonly handle: GroupHandle,
    readonly rank: number,
    readonly size: number,
  ) {}

  /** Joins the group: resolves once all `size` ranks have met at addr:port (rank 0 hosts the store). */
  static async join(r: Rendezvous): Promise<ProcessGroup> {
    const unsupported = distributedUnsupported();
    if (unsupported) throw new Error(unsupported);
    // Local ranks talk over the loopback; elsewhere Gloo binds where this machine's hostname resolves,
    // unless GLOO_SOCKET_IFNAME names the interface (torch's own rule).
    const loopback = r.addr === "localhost" || r.addr.startsWith("127.");
    const handle = await native.distInit({
      ...r,
      hostname: r.iface === null && loopback ? "127.0.0.1" : null,
    });
    return new ProcessGroup(handle, r.rank, r.size);
  }

  /** Sums each tensor over the ranks, in place, in buckets of at most `bucket` bytes. */
  allReduceSum(tensors: readonly Tensor[], bucket = bucketBytes): Promise<void> {
    return native.distAllReduce(
      this.handle,
      tensors.map((t) => t.handle),
      bucket,
    );
  }

  /** Sums the parameters' gradients over the ranks, in place (a rank without a gradient adds zeros). */
  allReduceGrads(params: readonly Tensor[]): Promise<void> {
    return native.distAllReduceGrads(
      this.handle,
      params.map((p) => p.handle),
      bucketBytes,
    );
  }

  /** Rank `root`'s values into every rank's tensors, in place (parameters included: no autograd records it). */
  broadcast(tensors: readonly Tensor[], root = 0, bucket = bucketBytes): Promise<void> {
    return native.distBroadcast(
      this.handle,
      tensors.map((t) => t.handle),
      root,
      bucket,
    );
  }

  /** Every rank's bytes, in rank order. */
  async allGatherBytes(data: Uint8Array): Promise<Uint8Array[]> {
    return (await native.distAllGatherBytes(this.handle, data)).map((b) => new Uint8Array(b));
  }

  barrier(): Promise<void> {
    return native.distBarrier(this.handle);
  }

  /** Leaves the group; collectives on it fail afterwards. */
  close(): void {
    native.distClose(this.handle);
  }
}
