/**
 * The engine benchmark's baselines: the same GPT step in C++ (gpt.cc, built against the addon's own
 * libtorch) and in Python PyTorch (gpt.py), each in a warm child process that times its own steps.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { packageRoot } from "../../src/paths.js";
import { addonDir } from "../../src/torch/native.js";
import type { AttentionPath } from "../../src/torch/index.js";

/** What one side reports for the steps it was asked to run. */
export interface PeerRun {
  threads: number;
  parameters: number;
  torch: string;
  stepsMs: number[];
  cpuMs: number[];
  phasesMs: { forward: number[]; backward: number[]; optimizer: number[] };
}

/** The model and batch both children build, in gpt.cc's argument order. */
export interface PeerShape {
  nLayer: number;
  dModel: number;
  nHead: number;
  vocabSize: number;
  batch: number;
  blockSize: number;
}

/** The libtorch the addon was built against (native/find-libtorch.mjs wrote it next to the build). */
interface AddonLibtorch {
  variant: string;
  include: string[];
  libdir: string;
  libs: string[];
  cxx11Abi: number;
  cxxStd: string;
  version: string;
  python?: string;
}

export function addonLibtorch(): AddonLibtorch {
  return JSON.parse(readFileSync(join(addonDir, "libtorch.json"), "utf8")) as AddonLibtorch;
}

/** A warm child process answering `steps(n)` with a JSON line of its own timings (gpt.cc and gpt.py --serve). */
export class Peer {
  private readonly stderr: string[] = [];
  private readonly lines: AsyncIterator<string>;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stderr.on("data", (d: Buffer) => this.stderr.push(d.toString()));
    child.on("error", (e) => this.stderr.push(e.message)); // e.g. not executable: steps() then reports it
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /**
   * Starts `command` with the shape, thread count and attention path as arguments. The child inherits the
   * environment native.ts prepared for libtorch (OMP_WAIT_POLICY, OPENBLAS_NUM_THREADS), so every side
   * runs the same thread set-up.
   */
  static start(
    name: string,
    command: string[],
    shape: PeerShape,
    threads: number,
    attention: AttentionPath,
  ): Peer {
    const args = [
      shape.nLayer,
      shape.dModel,
      shape.nHead,
      shape.vocabSize,
      shape.batch,
      shape.blockSize,
      threads,
    ];
    const child = spawn(command[0]!, [...command.slice(1), "--serve", ...args.map(String), attention], {
      stdio: "pipe",
    });
    return new Peer(name, child);
  }

  /** Trains `n` steps there; the times are the ones the child measured itself. */
  async steps(n: number): Promise<PeerRun> {
    this.child.stdin.write(`${n}\n`);
    const next = await this.lines.next();
    if (next.done)
      throw new Error(`engine bench: ${this.name} exited early: ${this.stderr.join("").slice(-2000)}`);
    return JSON.parse(next.value) as PeerRun;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/**
 * Compiles gpt.cc against the addon's libtorch, with the same include folders, libraries, rpath, C++
 * standard and C++ ABI, into bench/out/VARIANT/ (one binary per libtorch), unless source and flags are unchanged.
 */
export function buildNativeGpt(log: (line: string) => void): string {
  const lt = addonLibtorch();
  const source = join(packageRoot, "bench/engine/gpt.cc");
  const outDir = join(packageRoot, "bench/out", lt.variant);
  const binary = join(outDir, "gpt");
  const stamp = join(outDir, "gpt.stamp");
  const flags = [
    "-O2",
    `-std=${lt.cxxStd}`,
    `-D_GLIBCXX_USE_CXX11_ABI=${lt.cxx11Abi}`,
    "-Wno-deprecated-declarations",
    ...lt.include.map((dir) => `-I${dir}`),
    source,
    "-o",
    binary,
    `-L${lt.libdir}`,
    `-Wl,-rpath,${lt.libdir}`,
    "-Wl,--no-as-needed",
    ...lt.libs,
    "-Wl,--as-needed",
  ];
  const key = createHash("sha256").update(readFileSync(source)).update(flags.join("\0")).digest("hex");
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return binary;
  mkdirSync(outDir, { recursive: true });
  log(
    `engine: compiling bench/engine/gpt.cc against libtorch ${lt.version} (once; about 10 s on an idle machine)`,
  );
  try {
    execFileSync("g++", flags, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new Error(
      `engine bench: g++ could not compile bench/engine/gpt.cc (is g++ installed?):\n${stderr.slice(0, 2000)}`,
    );
  }
  writeFileSync(stamp, key);
  return binary;
}

/** The Python to run gpt.py with, and whether its torch is the very libtorch the addon loads. */
export interface PytorchSide {
  python: string;
  torch: string;
  /** Its torch/lib is the addon's libtorch folder: the ratio then compares the layers above one libtorch. */
  sameLibtorch: boolean;
}

/**
 * The Python whose torch gpt.py runs on: the one the addon was built against (LIBTORCH_USE_PYTORCH), else
 * the reference Python (.venv, scripts/reference-python) when it imports torch; null (with why) when none.
 */
export function pytorchSide(): PytorchSide | { missing: string } {
  const lt = addonLibtorch();
  const python = lt.python ?? join(packageRoot, ".venv/bin/python");
  if (!existsSync(python) && lt.python === undefined)
    return { missing: "no Python with torch (.venv is absent: run bash scripts/reference-python)" };
  const probe = spawnSync(
    python,
    [
      "-c",
      "import torch, os; print(torch.__version__); print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
    ],
    { encoding: "utf8" },
  );
  if (probe.status !== 0) return { missing: `${python} cannot import torch` };
  const [torch, libdir] = probe.stdout.trim().split("\n") as [string, string];
  return { python, torch, sameLibtorch: realpathSync(libdir) === realpathSync(lt.libdir) };
}

export const gptPy = join(packageRoot, "bench/engine/gpt.py");
