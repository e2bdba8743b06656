import { cpus } from "node:os";

/**
 * Every environment variable linewise reads, read here and nowhere else (STYLE.md).
 */
export const envVars = {
  /** A libtorch folder with include/ and lib/ to build the addon against (DESIGN.md, "Finding libtorch"). */
  LIBTORCH: process.env.LIBTORCH,
  /**
   * "1": build against and load the libtorch inside a Python's torch package (pip's torch 2.x; how a CUDA
   * libtorch is used on a GPU machine). scripts/setup asks LIBTORCH_PYTHON's torch for its paths.
   */
  LIBTORCH_USE_PYTORCH: process.env.LIBTORCH_USE_PYTORCH,
  /**
   * The Python whose torch LIBTORCH_USE_PYTORCH=1 uses (read by scripts/setup); default: .venv/bin/python
   * (the reference Python, scripts/reference-python) when it exists, else `python3` on PATH. Independent of
   * LINEWISE_PYTHON, which runs the programs under test and needs no torch.
   */
  LIBTORCH_PYTHON: process.env.LIBTORCH_PYTHON,
  /**
   * Intra-op threads for libtorch (and OpenBLAS); default: the number of cores less one, at least one.
   * Why not all cores: the pipeline always has another CPU consumer (sandboxed Python, Node itself), and
   * OpenMP/OpenBLAS threads that wait on a busy core slow a step down several-fold (measured: a 1M-parameter
   * training step took 3.5 s with 2 threads and 0.37 s with 1 on a loaded 2-core machine).
   */
  LINEWISE_THREADS: process.env.LINEWISE_THREADS,
  /** Set before libtorch loads, when unset: OpenMP's idle threads sleep instead of spinning (see above). */
  OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY,
  /** OpenBLAS's own thread pool size, read when libtorch loads; default: LINEWISE_THREADS's value. */
  OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS,
  /**
   * OpenBLAS's kernels, read when libtorch loads. When unset, linewise sets it only where set-up found that
   * OpenBLAS does not recognise the CPU and would fall back to generic SSE3 kernels (native/openblas-core.py).
   */
  OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE,
  /**
   * The attention kernel: "fused" (aten::scaled_dot_product_attention, libtorch ≥ 2.0) or "matmul"; default:
   * the one measured faster for the libtorch version and device (src/torch/attentionPath.ts).
   */
  LINEWISE_ATTENTION: process.env.LINEWISE_ATTENTION,
  /**
   * "system": leave glibc's malloc settings alone. By default linewise keeps freed memory for reuse instead
   * of returning it to the kernel after every tensor (native/allocator.cc): a page fault costs ~15 µs on some
   * VMs, and a PPO update freed and re-faulted its activations every step. The price is a resident size that
   * stays near its peak.
   */
  LINEWISE_MALLOC: process.env.LINEWISE_MALLOC,
  /** The Python interpreter the sandboxed executor runs programs with; default: `python3` on PATH. */
  LINEWISE_PYTHON: process.env.LINEWISE_PYTHON,
  /**
   * The bearer token of linewise's HTTP services: what `serve-exec` and `serve-prm` require when started
   * without --token, and what `--exec-url` clients send without --exec-token. An environment variable keeps
   * it out of the process list.
   */
  LINEWISE_TOKEN: process.env.LINEWISE_TOKEN,
  /**
   * Data-parallel training's rendezvous, as torchrun sets it (src/train/distributed.ts): rank 0's host name
   * or address, the port its TCPStore listens on, this process's rank, the number of ranks, and the rank on
   * this machine (checked, and otherwise unused until a GPU group picks each rank's device by it). `--nproc N`
   * sets them for N local ranks; unset WORLD_SIZE means one process.
   */
  MASTER_ADDR: process.env.MASTER_ADDR,
  MASTER_PORT: process.env.MASTER_PORT,
  RANK: process.env.RANK,
  WORLD_SIZE: process.env.WORLD_SIZE,
  LOCAL_RANK: process.env.LOCAL_RANK,
  /** The network interface Gloo binds to (torch's variable); default: where this machine's hostname resolves. */
  GLOO_SOCKET_IFNAME: process.env.GLOO_SOCKET_IFNAME,
  /** "1" (set by CI) disables progress bars and colour. */
  CI: process.env.CI,
};

/** Intra-op threads: LINEWISE_THREADS, else the number of cores less one, at least one (see above). */
export function threadCount(): number {
  return Number(envVars.LINEWISE_THREADS) || Math.max(1, cpus().length - 1);
}
