/** Process-wide engine settings and figures: seeds, threads, devices, memory, version. */
import { native } from "./native.js";
import { envVars, threadCount } from "../env.js";

/** Seeds libtorch's generators (CPU and CUDA): the same seed gives the same numbers. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** Sets libtorch's intra-op thread count. */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function numThreads(): number {
  return native.numThreads();
}

/** Whether this libtorch was built with CUDA and sees a GPU. */
export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}

export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}

/** Live tensor handles and the bytes their storages hold: tests assert these do not grow. */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

/** The libtorch version compiled against, its build configuration and parallel settings. */
export function version(): { torch: string; config: string; parallel: string } {
  return native.version();
}

setNumThreads(threadCount());

/**
 * Blocks below 32 MiB (glibc's largest mmap threshold) from the heap, where freed memory is reused instead
 * of unmapped and faulted in again; up to 1 GiB freed at the heap's top is kept; the heap grows 256 MiB at a time.
 */
if (envVars.LINEWISE_MALLOC !== "system") native.retainFreedMemory(32 * 2 ** 20, 2 ** 30, 2 ** 28);
