/**
 * The engine benchmark (issues 2, 16, 17): one training step of a GPT-style model on the TypeScript tensor
 * API against the same model and step in C++ on the same libtorch (bench/engine/gpt.cc) and in Python
 * PyTorch (bench/engine/gpt.py, when a Python with torch is there), all on the same attention path,
 * alternating single steps in the same run; plus both attention paths timed (the measurement behind
 * src/torch/attentionPath.ts), the cost of one tiny op from TypeScript and the matmul throughput.
 */
import { execFile } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { promisify } from "node:util";
import { native, type Handle } from "../src/torch/native.js";
import {
  AdamW,
  attentionPath,
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
import { addonLibtorch, buildNativeGpt, gptPy, Peer, pytorchSide } from "./engine/peers.js";
import { measureAttention, type AttentionFigures, type PathTimes } from "./engine/attention.js";

const run = promisify(execFile);

/** The model and batch: 4 layers, width 256, 4 heads, vocabulary 512, batch 32 × 128 tokens. */
const model = { nLayer: 4, dModel: 256, nHead: 4, vocabSize: 512, blockSize: 128 } satisfies TinyGptConfig;
const batch = 32;
/** AdamW as gpt.cc's constants (kLr, kWeightDecay; PyTorch's default betas and eps on every side). */
const adamw = { lr: 3e-4, weightDecay: 0.01 };

export interface EngineBenchOptions {
  /** Most rounds (one step a side) to measure. */
  pairs?: number;
  /** Fewest rounds; past this many, measuring stops once `budgetS` seconds have gone (a loaded machine). */
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

/** Runs the engine benchmark, prints a table and returns its figures (the last line `bench/main` prints). */
export async function benchEngine(options: EngineBenchOptions = {}): Promise<Record<string, unknown>> {
  const maxPairs = options.pairs ?? 16;
  const minPairs = Math.min(options.minPairs ?? 6, maxPairs);
  const budgetMs = (options.budgetS ?? 150) * 1000;
  const threads = numThreads();
  const binary = buildNativeGpt(log);
  const attention = attentionPath("cpu");
  const pytorch = pytorchSide();
  if ("missing" in pytorch) log(`engine: no PyTorch side: ${pytorch.missing}`);
  else if (!pytorch.sameLibtorch)
    log(
      `engine: PyTorch ${pytorch.torch} (${pytorch.python}) is not the addon's libtorch ${version().torch}: its ratio compares different libtorch builds`,
    );

  // 1. the training step, alternating single steps of TypeScript (in process), C++ and PyTorch (warm child
  //    processes timing their own steps), so that load on the machine falls on every side alike
  manualSeed(0);
  const gpt = new TinyGpt(model);
  const opt = new AdamW(gpt.parameters(), adamw);
  const idx = randint(0, model.vocabSize, [batch, model.blockSize]);
  const targets = randint(0, model.vocabSize, [batch, model.blockSize]);
  const shape = { ...model, batch };
  const peers = [Peer.start("C++ (gpt.cc)", [binary], shape, threads, attention.path)];
  if (!("missing" in pytorch))
    peers.push(Peer.start("PyTorch (gpt.py)", [pytorch.python, gptPy], shape, threads, attention.path));
  const ts = emptyTimes();
  const peerTimes = peers.map(() => emptyTimes());
  const gc = new GcPauses();
  let gcMsPerStep = 0;
  let pythonTorch = "";
  try {
    // warm-up: first-touch allocations, operator look-ups, JIT
    trainSteps(gpt, opt, idx, targets, 2);
    for (const peer of peers) {
      const warm = await peer.steps(2);
      if (warm.parameters !== gpt.numParameters() || warm.threads !== threads) {
        // A different model or thread count would make the ratio meaningless: refuse rather than report it.
        throw new Error(
          `engine bench: ${peer.name} has ${warm.parameters} parameters on ${warm.threads} threads, TinyGpt ${gpt.numParameters()} on ${threads}`,
        );
      }
      if (peer !== peers[0]) pythonTorch = warm.torch;
    }
    const start = performance.now();
    const sides = [-1, ...peers.map((_, i) => i)]; // -1: TypeScript
    for (let i = 0; i < maxPairs && (i < minPairs || performance.now() - start < budgetMs); i++) {
      // each side goes first, middle and last in turn, so a drift in load favours none of them
      const order = sides.map((_, j) => sides[(i + j) % sides.length]!);
      for (const side of order) {
        if (side < 0) append(ts, trainSteps(gpt, opt, idx, targets, 1, gc));
        else append(peerTimes[side]!, await peers[side]!.steps(1));
      }
      const line = [
        `TS ${ts.stepsMs[i]!.toFixed(0)} ms`,
        ...peers.map((p, j) => `${p.name.split(" ")[0]} ${peerTimes[j]!.stepsMs[i]!.toFixed(0)} ms`),
      ];
      log(`engine: round ${i + 1}: ${line.join(", ")}`);
    }
    gcMsPerStep = (await gc.pausedMs()) / ts.stepsMs.length;
  } finally {
    gc.stop();
    for (const peer of peers) peer.close();
    gpt.dispose();
    opt.dispose();
    idx.dispose();
    targets.dispose();
  }

  // 2. both attention paths on this libtorch and device, 3. a tiny op, and 4. BLAS throughput
  const attentionFigures = measureAttention(
    [batch, model.nHead, model.blockSize, model.dModel / model.nHead],
    12,
  );
  const add = await addCost(binary);
  const matmulGflops = matmulThroughput(512);

  const cpp = peerTimes[0]!;
  const vs = (other: StepTimes) => {
    const pairRatios = ts.stepsMs.map((t, i) => t / other.stepsMs[i]!);
    return {
      ratio: round(median(ts.stepsMs) / median(other.stepsMs), 3),
      ms: round(median(other.stepsMs), 1),
      // the spread of per-round ratios shows how much machine load blurs the headline ratio
      pairRatio: {
        median: round(median(pairRatios), 3),
        q1: round(quantile(pairRatios, 0.25), 3),
        q3: round(quantile(pairRatios, 0.75), 3),
      },
      // CPU time (all threads) per step: closer to the work done when other processes take the cores
      cpu: { ms: round(median(other.cpuMs), 1), ratio: round(median(ts.cpuMs) / median(other.cpuMs), 3) },
      phasesMs: Object.fromEntries(phaseNames.map((p) => [p, round(median(other.phasesMs[p]), 1)])),
    };
  };
  const cppFigures = vs(cpp);
  const pyFigures =
    "missing" in pytorch
      ? { missing: pytorch.missing }
      : {
          ...vs(peerTimes[1]!),
          torch: pythonTorch,
          python: pytorch.python,
          sameLibtorch: pytorch.sameLibtorch,
        };
  const tsMs = median(ts.stepsMs);
  const result = {
    bench: "engine",
    ratio: cppFigures.ratio,
    tsMs: round(tsMs, 1),
    nativeMs: cppFigures.ms,
    pairRatio: cppFigures.pairRatio,
    pairs: ts.stepsMs.length,
    cpu: { tsMs: round(median(ts.cpuMs), 1), nativeMs: cppFigures.cpu.ms, ratio: cppFigures.cpu.ratio },
    phases: Object.fromEntries(
      phaseNames.map((p) => [
        p,
        { tsMs: round(median(ts.phasesMs[p]), 1), nativeMs: cppFigures.phasesMs[p]! },
      ]),
    ),
    pytorch: pyFigures,
    attention: { path: attention.path, why: attention.why, ...roundAttention(attentionFigures) },
    // V8 pauses inside the TS steps: the addon reports tensor bytes as external memory, which prompts GCs
    gcMsPerStep: round(gcMsPerStep, 1),
    opOverheadUs: round(add.tsUs, 2),
    addUs: { ts: round(add.tsUs, 2), addon: round(add.addonUs, 2), cpp: round(add.cppUs, 2) },
    matmulGflops: round(matmulGflops, 1),
    threads,
    libtorch: version().torch,
    libtorchVariant: addonLibtorch().variant,
  };
  printTable(
    result,
    ts,
    peers.map((p) => p.name),
    peerTimes,
  );
  return result;
}

const phaseNames = ["forward", "backward", "optimizer"] as const;

function roundAttention(a: AttentionFigures) {
  const r = (t: PathTimes | null) =>
    t && { forwardMs: round(t.forwardMs, 1), backwardMs: round(t.backwardMs, 1), cpuMs: round(t.cpuMs, 1) };
  return {
    shape: a.shape,
    matmul: r(a.matmul),
    fused: r(a.fused),
    fusedOverMatmul: a.fusedOverMatmul === null ? null : round(a.fusedOverMatmul, 2),
    fusedOverMatmulCpu: a.fusedOverMatmulCpu === null ? null : round(a.fusedOverMatmulCpu, 2),
  };
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

interface Figures {
  pairs: number;
  gcMsPerStep: number;
  addUs: { ts: number; addon: number; cpp: number };
  matmulGflops: number;
  threads: number;
  libtorch: string;
  libtorchVariant: string;
  pytorch: { missing: string } | { torch: string; sameLibtorch: boolean };
  attention: ReturnType<typeof roundAttention> & { path: string; why: string };
}

function printTable(r: Figures, ts: StepTimes, peerNames: string[], peers: StepTimes[]): void {
  const names = ["TypeScript", ...peerNames.map((n) => n.split(" ")[0]!)];
  const sides = [ts, ...peers];
  const row = (label: string, cells: string[], note = "") =>
    `  ${label.padEnd(22)}${cells.map((c) => c.padStart(12)).join("")}  ${note}`;
  const ratios = (of: (t: StepTimes) => number[]) =>
    peers.map((p, i) => `TS/${names[i + 1]} ${(median(of(ts)) / median(of(p))).toFixed(3)}`).join(", ");
  const perRound = peers.map((p, i) => {
    const pr = ts.stepsMs.map((t, j) => t / p.stepsMs[j]!);
    return `TS/${names[i + 1]} median ${median(pr).toFixed(3)}, quartiles ${quantile(pr, 0.25).toFixed(3)}–${quantile(pr, 0.75).toFixed(3)}`;
  });
  const a = r.attention;
  const pathRow = (name: string, t: PathTimes | null) =>
    t
      ? `${name} ${t.forwardMs.toFixed(1)} + ${t.backwardMs.toFixed(1)} ms (CPU ${t.cpuMs.toFixed(1)} ms)`
      : `${name} —`;
  const lines = [
    `engine: GPT ${model.nLayer} layers × ${model.dModel} wide, ${model.nHead} heads, vocabulary ${model.vocabSize}, ` +
      `batch ${batch} × ${model.blockSize} tokens, ${r.threads} thread${r.threads === 1 ? "" : "s"}, libtorch ${r.libtorch} (${r.libtorchVariant}); ` +
      `medians of ${r.pairs} rounds, one step a side, in rotating order`,
    `  attention path: ${a.path} on every side (${a.why})`,
    "pytorch" in r && "missing" in r.pytorch
      ? `  no PyTorch side: ${r.pytorch.missing}`
      : `  PyTorch ${(r.pytorch as { torch: string }).torch}${(r.pytorch as { sameLibtorch: boolean }).sameLibtorch ? " on the addon's own libtorch" : ", a different libtorch from the addon's"}`,
    row("", names),
    row(
      "training step (ms)",
      sides.map((t) => median(t.stepsMs).toFixed(1)),
      `${ratios((t) => t.stepsMs)} (target ≤ 1.10)`,
    ),
    ...phaseNames.map((p) =>
      row(
        `  ${p} (ms)`,
        sides.map((t) => median(t.phasesMs[p]).toFixed(1)),
      ),
    ),
    row(
      "CPU time a step (ms)",
      sides.map((t) => median(t.cpuMs).toFixed(1)),
      `${ratios((t) => t.cpuMs)} (all threads)`,
    ),
    `  per-round ratios: ${perRound.join("; ")}`,
    `  V8 garbage collection inside a TS step: ${r.gcMsPerStep.toFixed(1)} ms`,
    `  attention alone, forward + backward, (B, heads, T, headDim) = (${a.shape.join(", ")}): ` +
      `${pathRow("matmul", a.matmul)}, ${pathRow("fused", a.fused)}` +
      (a.fusedOverMatmul === null
        ? " (this libtorch has no fused kernel)"
        : `; fused/matmul ${a.fusedOverMatmul.toFixed(2)} (CPU time ${a.fusedOverMatmulCpu!.toFixed(2)})`),
    row(
      "1-element add (µs)",
      [r.addUs.ts.toFixed(2), r.addUs.cpp.toFixed(2)],
      `TS, C++; target ≤ 5 µs from TS; the raw addon call alone: ${r.addUs.addon.toFixed(2)} µs`,
    ),
    `  matmul 512×512: ${r.matmulGflops.toFixed(1)} GFLOP/s (a few GFLOP/s means a reference BLAS is active)`,
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
