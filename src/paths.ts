/** Where the package's own files are, wherever the compiled code runs from (dist/src/… or src/…). */
import { dirname, join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = resolve(dir, "..");
    if (up === dir)
      throw new Error("linewise: cannot find the package root (no package.json above the code)");
    dir = up;
  }
  return dir;
}

/** The folder holding package.json, native/ and dist/. */
export const packageRoot = findRoot();

/** The shared benchmarks folder beside a checkout (../shared/benchmarks), used by tests and benches. */
export const sharedBenchmarks = resolve(packageRoot, "../shared/benchmarks");
