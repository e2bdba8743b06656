/**
 * The engine benchmark (issue 2): one training step of a GPT-style model on the TypeScript tensor API
 * against the same model and step in C++ on the same libtorch (bench/engine/gpt.cc), alternating in the
 * same run; plus the cost of one tiny op from TypeScript and the matmul throughput (is BLAS set up right?).
 */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { packageRoot } from "../src/paths.js";
import { native, type Handle } from "../src/torch/native.js";
import {
  AdamW,
  manualSeed,
  numThreads,
  ones,
  randint,
  randn,
  scope,
  version,
  type Tensor,
} from "../src/torch/index.js";
import { TinyGpt, type TinyGptConfig } from "../src/torch/examples/tinyGpt.js";

const run = promisify(execFile);

/** The model and batch: 4 layers, width 256, 4 heads, vocabulary 512, batch 32 × 128 tokens. */
const model = { nLayer: 4, dModel: 256, nHead: 4, vocabSize: 512, blockSize: 128 } satisfies TinyGptConfig;
const batch = 32;
/** AdamW as gpt.cc's constants (kLr, kWeightDecay; PyTorch's default betas and eps on both sides). */
const adamw = { lr: 3e-4, weightDecay: 0.01 };

export interface EngineBenchOptions {
  /** Most TS/C++ step pairs to measure. */
  pairs?: number;
  /** Fewest pairs; past this many, measuring stops once `budgetS` seconds have gone (a loaded machine). */
  minPairs?: number;
  budgetS?: number;
}

type Phases = { forward: number[]; backward: number[]; optimizer: number[] };
interface StepTimes {
  stepsMs: number[];
  /** CPU time of the whole process (all threads) per step. */
  cpuMs: number[];
  phasesMs: Phases;
}
interface NativeRun extends StepTimes {
  threads: number;
  parameters: number;
}

/** Runs the engine benchmark, prints a table and returns its figures (the last line `bench/main` prints). */
export async function benchEngine(options: EngineBenchOptions = {}): Promise<Record<string, unknown>> {
  const maxPairs = options.pairs ?? 16;
  const minPairs = Math.min(options.minPairs ?? 6, maxPairs);
  const budgetMs = (options.budgetS ?? 150) * 1000;
  const threads = numThreads();
  const binary = buildNativeGpt();

  // 1. the training step, alternating single steps of TypeScript (in process) and C++ (a warm child
  //    process timing its own steps), so that load on the machine falls on both sides alike
  manualSeed(0);
  const gpt = new TinyGpt(model);
  const opt = new AdamW(gpt.parameters(), adamw);
  const idx = randint(0, model.vocabSize, [batch, model.blockSize]);
  const targets = randint(0, model.vocabSize, [batch, model.blockSize]);
  const cppGpt = NativeGpt.start(binary, threads);
  const ts = emptyTimes();
  const cpp = emptyTimes();
  const gc = new GcPauses();
  let gcMsPerStep = 0;
  try {
    // warm-up: first-touch allocations, operator look-ups, JIT
    trainSteps(gpt, opt, idx, targets, 2);
    const warm = await cppGpt.steps(2);
    if (warm.parameters !== gpt.numParameters() || warm.threads !== threads) {
      // A different model or thread count would make the ratio meaningless: refuse rather than report it.
      throw new Error(
        `engine bench: gpt.cc has ${warm.parameters} parameters on ${warm.threads} threads, TinyGpt ${gpt.numParameters()} on ${threads}`,
      );
    }
    const start = performance.now();
    for (let i = 0; i < maxPairs && (i < minPairs || performance.now() - start < budgetMs); i++) {
      // ABBA order, so a drift in load does not favour the side that always goes first
      if (i % 2 === 0) append(ts, trainSteps(gpt, opt, idx, targets, 1, gc));
      append(cpp, await cppGpt.steps(1));
      if (i % 2 === 1) append(ts, trainSteps(gpt, opt, idx, targets, 1, gc));
      log(`engine: pair ${i + 1}: TS ${ts.stepsMs[i]!.toFixed(0)} ms, C++ ${cpp.stepsMs[i]!.toFixed(0)} ms`);
    }
    gcMsPerStep = (await gc.pausedMs()) / ts.stepsMs.length;
  } finally {
    gc.stop();
    cppGpt.close();
    gpt.dispose();
    opt.dispose();
    idx.dispose();
    targets.dispose();
  }

  // 2. a tiny op, and 3. BLAS throughput
  const add = await addCost(binary);
  const matmulGflops = matmulThroughput(512);

  const tsMs = median(ts.stepsMs);
  const nativeMs = median(cpp.stepsMs);
  const pairRatios = ts.stepsMs.map((t, i) => t / cpp.stepsMs[i]!);
  const phases = Object.fromEntries(
    (["forward", "backward", "optimizer"] as const).map((p) => [
      p,
      { tsMs: round(median(ts.phasesMs[p]), 1), nativeMs: round(median(cpp.phasesMs[p]), 1) },
    ]),
  );
  const result = {
    bench: "engine",
    ratio: round(tsMs / nativeMs, 3),
    tsMs: round(tsMs, 1),
    nativeMs: round(nativeMs, 1),
    // the spread of per-pair ratios shows how much machine load blurs the headline ratio
    pairRatio: {
      median: round(median(pairRatios), 3),
      q1: round(quantile(pairRatios, 0.25), 3),
      q3: round(quantile(pairRatios, 0.75), 3),
    },
    pairs: pairRatios.length,
    // CPU time (all threads) per step: closer to the work done when other processes take the cores
    cpu: {
      tsMs: round(median(ts.cpuMs), 1),
      nativeMs: round(median(cpp.cpuMs), 1),
      ratio: round(median(ts.cpuMs) / median(cpp.cpuMs), 3),
    },
    phases,
    // V8 pauses inside the TS steps: the addon reports tensor bytes as external memory, which prompts GCs
    gcMsPerStep: round(gcMsPerStep, 1),
    opOverheadUs: round(add.tsUs, 2),
    addUs: { ts: round(add.tsUs, 2), addon: round(add.addonUs, 2), cpp: round(add.cppUs, 2) },
    matmulGflops: round(matmulGflops, 1),
    threads,
    libtorch: version().torch,
  };
  printTable(result, phases);
  return result;
}

/** The C++ model (gpt.cc --serve) in a child process that stays warm between requests. */
class NativeGpt {
  private readonly stderr: string[] = [];
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {
    child.stderr.on("data", (d: Buffer) => this.stderr.push(d.toString()));
    child.on("error", (e) => this.stderr.push(e.message)); // e.g. not executable: steps() then reports it
  }

  static start(binary: string, threads: number): NativeGpt {
    // The thread count goes as an argument; the child inherits the environment native.ts prepared for
    // libtorch (OMP_WAIT_POLICY, OPENBLAS_NUM_THREADS), so both sides run the same thread set-up.
    const args = [
      "--serve",
      model.nLayer,
      model.dModel,
      model.nHead,
      model.vocabSize,
      batch,
      model.blockSize,
      threads,
    ];
    const child = spawn(binary, args.map(String), { stdio: "pipe" });
    return new NativeGpt(child, createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  }

  /** Trains `n` steps there; the times are the ones the program measured itself. */
  async steps(n: number): Promise<NativeRun> {
    this.child.stdin.write(`${n}\n`);
    const next = await this.lines.next();
    if (next.done)
      throw new Error(`engine bench: bench/out/gpt exited early: ${this.stderr.join("").slice(0, 2000)}`);
    return JSON.parse(next.value) as NativeRun;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** `steps` training steps (forward, backward, AdamW, grads to none), each timed whole and by phase. */
function trainSteps(
  gpt: TinyGpt,
  opt: AdamW,
  idx: Tensor,
  targets: Tensor,
  steps: number,
  gc?: GcPauses,
): StepTimes {
  const out = emptyTimes();
  for (let s = 0; s < steps; s++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let forwardEnd = 0;
    scope(() => {
      const loss = gpt.loss(idx, targets);
      forwardEnd = performance.now();
      loss.backward();
    });
    const backwardEnd = performance.now();
    opt.stepUpdate();
    opt.zeroGrad();
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    gc?.window(start, end);
    out.stepsMs.push(end - start);
    out.cpuMs.push((cpu.user + cpu.system) / 1000);
    out.phasesMs.forward.push(forwardEnd - start);
    out.phasesMs.backward.push(backwardEnd - forwardEnd);
    out.phasesMs.optimizer.push(end - backwardEnd);
  }
  return out;
}

/** V8's garbage-collector pauses ("gc" performance entries) that fall inside the windows it is given. */
class GcPauses {
  private readonly entries: { start: number; ms: number }[] = [];
  private readonly windows: [number, number][] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.entries.push({ start: e.startTime, ms: e.duration });
  });
  constructor() {
    this.observer.observe({ entryTypes: ["gc"] });
  }
  window(start: number, end: number): void {
    this.windows.push([start, end]);
  }
  stop(): void {
    this.observer.disconnect();
  }
  /** Total pause inside the windows; entries arrive asynchronously, so let them in before stopping. */
  async pausedMs(): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    this.stop();
    const inside = (t: number) => this.windows.some(([a, b]) => t >= a && t <= b);
    return this.entries.filter((e) => inside(e.start)).reduce((sum, e) => sum + e.ms, 0);
  }
}

function emptyTimes(): StepTimes {
  return { stepsMs: [], cpuMs: [], phasesMs: { forward: [], backward: [], optimizer: [] } };
}

function append(into: StepTimes, from: StepTimes): void {
  into.stepsMs.push(...from.stepsMs);
  into.cpuMs.push(...from.cpuMs);
  for (const p of ["forward", "backward", "optimizer"] as const) into.phasesMs[p].push(...from.phasesMs[p]);
}

/**
 * Cost of `a.add(b)` on 1-element tensors, result disposed: from TypeScript, from the raw addon call (no
 * Tensor wrapper), and in C++. The fastest of many short batches: background load only ever adds time,
 * and a short batch has a chance to run undisturbed on a busy machine.
 */
async function addCost(binary: string): Promise<{ tsUs: number; addonUs: number; cppUs: number }> {
  const count = 2_000;
  const batches = 40;
  const a = ones([1]);
  const b = ones([1]);
  const addId = native.findOperator("aten::add", "Tensor");
  const viaTs = () => a.add(b).dispose();
  const viaAddon = () => native.dispose(native.call(addId, a.handle, b.handle, 1) as Handle);
  const perCallUs = (fn: () => void) => {
    const start = performance.now();
    for (let i = 0; i < count; i++) fn();
    return ((performance.now() - start) * 1000) / count;
  };
  // warm-up: JIT, operator look-up
  for (let i = 0; i < 10; i++) {
    perCallUs(viaTs);
    perCallUs(viaAddon);
  }
  let tsUs = Infinity;
  let addonUs = Infinity;
  for (let i = 0; i < batches; i++) {
    tsUs = Math.min(tsUs, perCallUs(viaTs));
    addonUs = Math.min(addonUs, perCallUs(viaAddon));
  }
  a.dispose();
  b.dispose();
  const { stdout } = await run(binary, ["add", String(count), String(batches)]);
  const cppUs = (JSON.parse(lastLine(stdout)) as { addUs: number }).addUs;
  return { tsUs, addonUs, cppUs };
}

/** GFLOP/s of n×n float32 matrix products (2n³ flops each): the fastest batch of 5 within about a second. */
function matmulThroughput(n: number): number {
  const a = randn([n, n]);
  const b = randn([n, n]);
  scope(() => a.matmul(b)); // warm-up
  let bestMs = Infinity;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    const batchStart = performance.now();
    for (let i = 0; i < 5; i++) scope(() => a.matmul(b));
    bestMs = Math.min(bestMs, (performance.now() - batchStart) / 5);
  }
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (bestMs / 1000) / 1e9;
}

/**
 * Compiles gpt.cc against the libtorch the addon uses (native/find-libtorch.mjs: LIBTORCH,
 * LIBTORCH_USE_PYTORCH or the system install) into bench/out/, unless the source and flags are unchanged.
 */
function buildNativeGpt(): string {
  const source = join(packageRoot, "bench/engine/gpt.cc");
  const outDir = join(packageRoot, "bench/out");
  const binary = join(outDir, "gpt");
  const stamp = join(outDir, "gpt.stamp");
  const findLibtorch = (what: string) =>
    execFileSync(process.execPath, [join(packageRoot, "native/find-libtorch.mjs"), what], {
      encoding: "utf8",
    }).trim();
  const libdir = findLibtorch("libdir");
  const flags = [
    "-O2",
    "-std=c++17",
    "-Wno-deprecated-declarations",
    ...findLibtorch("include")
      .split(/\s+/)
      .map((dir) => `-I${dir}`),
    source,
    "-o",
    binary,
    `-L${libdir}`,
    `-Wl,-rpath,${libdir}`,
    "-Wl,--no-as-needed",
    ...findLibtorch("libs").split(/\s+/),
    "-Wl,--as-needed",
  ];
  const key = createHash("sha256").update(readFileSync(source)).update(flags.join("\0")).digest("hex");
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return binary;
  mkdirSync(outDir, { recursive: true });
  log("engine: compiling bench/engine/gpt.cc (once; about 10 s)");
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

interface Figures {
  ratio: number;
  tsMs: number;
  nativeMs: number;
  pairRatio: { median: number; q1: number; q3: number };
  pairs: number;
  cpu: { tsMs: number; nativeMs: number; ratio: number };
  gcMsPerStep: number;
  addUs: { ts: number; addon: number; cpp: number };
  matmulGflops: number;
  threads: number;
}

function printTable(r: Figures, phases: Record<string, { tsMs: number; nativeMs: number }>): void {
  const row = (label: string, ts: string, cpp: string, note = "") =>
    `  ${label.padEnd(22)}${ts.padStart(12)}${cpp.padStart(12)}  ${note}`;
  const lines = [
    `engine: GPT ${model.nLayer} layers × ${model.dModel} wide, ${model.nHead} heads, vocabulary ${model.vocabSize}, ` +
      `batch ${batch} × ${model.blockSize} tokens, ${r.threads} thread${r.threads === 1 ? "" : "s"}; medians of ${r.pairs} alternating steps a side`,
    row("", "TypeScript", "C++"),
    row(
      "training step (ms)",
      r.tsMs.toFixed(1),
      r.nativeMs.toFixed(1),
      `ratio ${r.ratio.toFixed(3)} (target ≤ 1.10)`,
    ),
    ...Object.entries(phases).map(([p, t]) => row(`  ${p} (ms)`, t.tsMs.toFixed(1), t.nativeMs.toFixed(1))),
    row(
      "CPU time a step (ms)",
      r.cpu.tsMs.toFixed(1),
      r.cpu.nativeMs.toFixed(1),
      `ratio ${r.cpu.ratio.toFixed(3)} (all threads)`,
    ),
    `  V8 garbage collection inside a TS step: ${r.gcMsPerStep.toFixed(1)} ms`,
    `  per-pair ratio: median ${r.pairRatio.median.toFixed(3)}, quartiles ${r.pairRatio.q1.toFixed(3)}–${r.pairRatio.q3.toFixed(3)}`,
    row(
      "1-element add (µs)",
      r.addUs.ts.toFixed(2),
      r.addUs.cpp.toFixed(2),
      `target ≤ 5 µs from TS; the raw addon call alone: ${r.addUs.addon.toFixed(2)} µs`,
    ),
    `  matmul 512×512: ${r.matmulGflops.toFixed(1)} GFLOP/s (a few GFLOP/s means the reference BLAS is active, not OpenBLAS)`,
  ];
  console.log(lines.join("\n"));
}

function log(line: string): void {
  process.stderr.write(line + "\n");
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.ceil(at)]! - s[lo]!) * (at - lo);
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}
