/**
 * The native addon's exports, declared in one place so the boundary is visible (STYLE.md).
 * A `Handle` is an opaque libtorch tensor owned by the addon; `Tensor` (tensor.ts) wraps it.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { packageRoot } from "../paths.js";
import { envVars, threadCount } from "../env.js";

/** An opaque reference to a libtorch tensor. */
export type Handle = { readonly __handle: unique symbol };

export interface Native {
  /** Looks an ATen operator up once; the id makes later calls skip the name lookup. */
  findOperator(name: string, overload: string): number;
  operatorSchema(id: number): string;
  /** Boxed dispatcher call: positional arguments, then optionally one object of keyword arguments. */
  call(id: number, ...args: unknown[]): unknown;
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: string, device?: string): Handle;
  toBuffer(t: Handle): ArrayBuffer;
  /** [dtype, device, ...sizes] */
  meta(t: Handle): [string, string, ...number[]];
  item(t: Handle): number | boolean;
  dispose(t: Handle): void;
  isDisposed(t: Handle): boolean;
  backward(t: Handle, gradient: Handle | null, retainGraph: boolean): void;
  grad(t: Handle): Handle | null;
  /** References to the tensor's storage object: 1 when only this handle holds it, more while a graph does. */
  useCount(t: Handle): number;
  zeroGrad(ts: Handle[]): void;
  requiresGrad(t: Handle): boolean;
  setRequiresGrad(t: Handle, on: boolean): void;
  gradEnabled(): boolean;
  setGradEnabled(on: boolean): void;
  adamwStep(
    params: Handle[],
    expAvg: Handle[],
    expAvgSq: Handle[],
    step: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
  ): void;
  sgdStep(
    params: Handle[],
    momentumBuffers: Handle[] | null,
    lr: number,
    momentum: number,
    weightDecay: number,
  ): void;
  clipGradNorm(params: Handle[], maxNorm: number): number;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  numThreads(): number;
  /** glibc's mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD and M_TOP_PAD (native/allocator.cc); false when glibc refused one. */
  retainFreedMemory(mmapThreshold: number, trimThreshold: number, topPad: number): boolean;
  cudaDeviceCount(): number;
  memory(): { tensors: number; bytes: number };
  /** Whether new tensors report their bytes to V8 (off inside scope(): they are freed deterministically). */
  setReportExternal(on: boolean): void;
  version(): { torch: string; config: string; parallel: string };
  /** "" when this build has torch.distributed (native/distributed.cc), else the one-line reason. */
  distributedSupport(): string;
  /** Rendezvous at addr:port (rank 0 hosts the TCPStore) and a Gloo process group over TCP. */
  distInit(options: {
    addr: string;
    port: number;
    rank: number;
    size: number;
    timeoutMs: number;
    iface: string | null;
    hostname: string | null;
  }): Promise<GroupHandle>;
  /** Sums each tensor over the ranks in place, in buckets of at most `bucketBytes`. */
  distAllReduce(group: GroupHandle, tensors: Handle[], bucketBytes: number): Promise<void>;
  /** Sums the parameters' gradients over the ranks in place; a missing gradient counts as zeros. */
  distAllReduceGrads(group: GroupHandle, params: Handle[], bucketBytes: number): Promise<void>;
  /** Copies rank `root`'s values into every rank's tensors, in place. */
  distBroadcast(group: GroupHandle, tensors: Handle[], root: number, bucketBytes: number): Promise<void>;
  /** Every rank's bytes, in rank order. */
  distAllGatherBytes(group: GroupHandle, data: Uint8Array): Promise<ArrayBuffer[]>;
  distBarrier(group: GroupHandle): Promise<void>;
  distClose(group: GroupHandle): void;
}

/** An opaque reference to a c10d process group (native/distributed.cc). */
export type GroupHandle = { readonly __group: unique symbol };

/** The OpenBLAS kernels set-up chose for a CPU that OpenBLAS does not recognise (scripts/setup). */
export const openblasCoretypeFile = join(packageRoot, "native/build/openblas-coretype");

/** Settings the OpenMP and OpenBLAS runtimes read once, when libtorch is loaded (env.ts). */
function prepareNativeEnvironment(): void {
  const threads = String(threadCount());
  if (envVars.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "PASSIVE";
  if (envVars.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = threads;
  if (envVars.OPENBLAS_CORETYPE === undefined && existsSync(openblasCoretypeFile))
    process.env.OPENBLAS_CORETYPE = readFileSync(openblasCoretypeFile, "utf8").trim();
}

/**
 * Which build of the addon to load: the one for the libtorch the environment chooses, by the same rule
 * scripts/setup builds with (README, "Choosing libtorch"); each lives in native/build/VARIANT.
 */
export function addonVariant(): "libtorch" | "pytorch" | "system" {
  if (envVars.LIBTORCH) return "libtorch";
  if (envVars.LIBTORCH_USE_PYTORCH === "1") return "pytorch";
  return "system";
}

/** The folder of the addon build in use: its libtorch.json says which libtorch it was built against. */
export const addonDir = join(packageRoot, "native/build", addonVariant());

function load(): Native {
  prepareNativeEnvironment();
  const path = join(addonDir, "build/Release/linewise.node");
  if (!existsSync(path)) {
    const env = { libtorch: "LIBTORCH=... ", pytorch: "LIBTORCH_USE_PYTORCH=1 ", system: "" }[addonVariant()];
    throw new Error(
      `linewise: the native addon is not built for this libtorch (${path} is missing); run '${env}npm run build'`,
    );
  }
  return createRequire(import.meta.url)(path) as Native;
}

export const native: Native = load();
