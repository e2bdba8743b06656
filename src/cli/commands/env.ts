/** `linewise env`: what the set-up found — CPU, libtorch, BLAS, threads, CUDA, bubblewrap, python3. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Command } from "../command.js";
import { parseOptions } from "../args.js";
import * as T from "../../torch/index.js";
import { addonDir, addonVariant, openblasCoretypeFile } from "../../torch/native.js";
import { envVars } from "../../env.js";
import { packageRoot } from "../../paths.js";

/** Shared libraries this process has mapped whose file name matches `pattern`, resolved to real paths. */
function mappedLibraries(pattern: RegExp): string[] {
  const maps = readFileSync("/proc/self/maps", "utf8");
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const path = line.slice(line.indexOf("/"));
    if (line.includes("/") && pattern.test(path)) paths.add(realpathSync(path));
  }
  return [...paths];
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      .trim()
      .split("\n")[0]!;
  } catch {
    return "not found";
  }
}

/** The kernels OpenBLAS runs with here, and who chose them (native/openblas-core.py). */
function openblasCore(): string {
  let core: string | null = null;
  try {
    const out = execFileSync("python3", [join(packageRoot, "native/openblas-core.py")], { encoding: "utf8" });
    core = (JSON.parse(out) as { core: string | null }).core;
  } catch {
    return "unknown (python3 could not ask OpenBLAS)";
  }
  if (core === null) return "not OpenBLAS";
  if (envVars.OPENBLAS_CORETYPE !== undefined) return `${core} (OPENBLAS_CORETYPE set by you)`;
  if (existsSync(openblasCoretypeFile))
    return `${core} (set by linewise: OpenBLAS does not recognise this CPU and would use generic SSE3 kernels)`;
  return `${core} (OpenBLAS's own choice)`;
}

/**
 * The CPU model and logical CPU count, as benchmark figures should name them (issue 16: the same
 * benchmark differs several-fold between two 2-core x86 VMs).
 */
export function cpuModel(): string {
  let model = cpus()[0]?.model?.trim() ?? "";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) model = line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: os.cpus() is all there is
  }
  return `${model || "unknown"} (${cpus().length} logical CPUs)`;
}

/** How the addon in use found its libtorch (native/find-libtorch.mjs wrote it beside the build). */
function libtorchBuild(): string {
  try {
    const found = JSON.parse(readFileSync(join(addonDir, "libtorch.json"), "utf8")) as { how: string };
    return `${addonVariant()}: ${found.how}`;
  } catch {
    return addonVariant();
  }
}

/** The facts `linewise env` reports, also used by the demo report. */
export function environmentFacts(): Record<string, string | number | boolean> {
  const libtorch = mappedLibraries(/libtorch_cpu\.so/)[0] ?? "unknown";
  const blas = mappedLibraries(/lib(open)?blas[^/]*\.so/);
  // pip's torch links MKL in statically: no BLAS library of its own shows in the process's maps
  const blasInfo = /BLAS_INFO=(\w+)/.exec(T.version().config)?.[1];
  const attention = T.attentionPath("cpu");
  return {
    cpu: cpuModel(),
    libtorch: T.version().torch,
    libtorchBuild: libtorchBuild(),
    libtorchPath: libtorch,
    blas: blas.length
      ? blas.join(", ")
      : blasInfo && blasInfo !== "generic"
        ? `${blasInfo} (inside libtorch)`
        : "none loaded",
    openblas: blas.some((p) => p.includes("openblas")),
    openblasCore: blas.length ? openblasCore() : "not used by this libtorch",
    threads: T.numThreads(),
    cuda: T.cudaAvailable() ? `yes (${T.cudaDeviceCount()} devices)` : "no",
    attention: `${attention.path} on CPU (${attention.why})`,
    bubblewrap: versionOf("bwrap", ["--version"]),
    python3: versionOf("python3", ["--version"]),
    node: process.version,
  };
}

export const envCommand: Command = {
  name: "env",
  summary: "show what set-up found: CPU, libtorch, BLAS and its kernels, threads, CUDA, bubblewrap, python3",
  help: [
    "Usage: linewise env [--json]",
    "",
    "Prints the CPU model and logical CPU count (name them with any benchmark figure), the libtorch version,",
    'which build of the addon is loaded and how it found its libtorch (README, "Choosing libtorch"), the',
    "library actually loaded, the BLAS in use (OpenBLAS is ~18x faster than the reference BLAS for training)",
    "and the kernels OpenBLAS runs with (OPENBLAS_CORETYPE overrides), libtorch's thread count",
    "(LINEWISE_THREADS overrides), whether CUDA is available, the attention kernel chosen (LINEWISE_ATTENTION",
    "overrides), and the bubblewrap and python3 versions the executor uses.",
    "",
    "Options:",
    "  --json   one JSON object instead of aligned lines",
  ].join("\n"),
  async run(argv) {
    const { values } = parseOptions("env", argv, { json: { type: "boolean" } });
    const facts = environmentFacts();
    if (values.json) {
      console.log(JSON.stringify(facts));
      return 0;
    }
    const width = Math.max(...Object.keys(facts).map((k) => k.length));
    for (const [k, v] of Object.entries(facts)) console.log(`${k.padEnd(width)}  ${v}`);
    if (!facts.openblas && !String(facts.blas).includes("inside libtorch"))
      console.error("warning: OpenBLAS is not the active BLAS; run scripts/setup to see how to fix it");
    return 0;
  },
};
