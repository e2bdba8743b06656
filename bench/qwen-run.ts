/**
 * One measurement of `bench -- qwen-0.5b` (bench/qwen.ts), in a process of its own so that its peak
 * resident memory is its own: on the 0.5B-shaped checkpoint in DIR, in float32 or in bfloat16 with float32
 * master weights (src/train/mixed-precision.ts),
 *   generate  load, then 16 greedy tokens after a 32-token prompt;
 *   prm       two PRM steps: scalar head, MSE against ±1 labels at every position of 2 × 128 tokens, AdamW;
 *   grpo      one GRPO iteration (2 problems × 4 samples of ≤ 32 tokens, sandboxed tests, reference
 *             log-probs, one policy update of the 8 rollouts) with gradient checkpointing.
 * Prints one JSON line: the seconds of each phase and the peak resident memory.
 *   node dist/bench/qwen-run.js DIR generate|prm|grpo float32|bfloat16
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdamW, F, manualSeed, randn, scope, tensor } from "../src/torch/index.js";
import { generate, loadCheckpoint } from "../src/model/index.js";
import type { Problem } from "../src/problems/types.js";
import { MixedPrecision, type Precision } from "../src/train/mixed-precision.js";
import { grpoDefaults, trainGrpo } from "../src/train/grpo.js";

const [dir, task, precision] = process.argv.slice(2) as [string, "generate" | "prm" | "grpo", Precision];
const seconds = (from: number) => Number(((performance.now() - from) / 1000).toFixed(1));
const figures: Record<string, number> = {};
manualSeed(0);

if (task === "generate") {
  let t = performance.now();
  const policy = loadCheckpoint(dir).eval();
  MixedPrecision.setUp(precision, [policy], []).dispose();
  figures.loadSeconds = seconds(t);
  const prompt = Array.from({ length: 32 }, (_, i) => 100 + ((i * 7919) % 150000));
  t = performance.now();
  generate(policy, [{ prompt, maxNewTokens: 16 }], { endTokens: [] });
  figures.generateSeconds = seconds(t);
  policy.dispose();
} else if (task === "prm") {
  let t = performance.now();
  const prm = loadCheckpoint(dir, { head: "scalar" }).train();
  const mixed = MixedPrecision.setUp(precision, [prm], prm.parameters());
  const optimizer = new AdamW(mixed.params, { lr: 1e-5, weightDecay: 0 });
  figures.loadSeconds = seconds(t);
  // Two steps: the first also pays for touching the gradients' and moments' fresh pages (a page fault
  // costs ~15 µs on a nested-virtualisation VM), the second is the steady state.
  const ids = tensor(
    Array.from({ length: 2 }, (_, r) =>
      Array.from({ length: 128 }, (_, i) => 100 + ((i * 31 + r * 977) % 150000)),
    ),
    { dtype: "int64" },
  );
  const labels = scope(() => randn([2, 128]).gt(0).float().mul(2).sub(1));
  for (const step of [1, 2]) {
    t = performance.now();
    figures[`loss${step}`] = scope(() => {
      const mse = F.mseLoss(prm.values(prm.forward(ids)), labels);
      mse.backward();
      mixed.gradientsToMasters();
      optimizer.stepUpdate();
      optimizer.zeroGrad();
      mixed.mastersToModel();
      return mse.item();
    });
    figures[step === 1 ? "prmStepSeconds" : "prmSecondStepSeconds"] = seconds(t);
  }
  ids.dispose();
  labels.dispose();
  for (const x of [optimizer, mixed, prm]) x.dispose();
} else {
  const out = mkdtempSync(join(tmpdir(), "linewise-qwen-grpo-"));
  try {
    const t = performance.now();
    const result = await trainGrpo(
      {
        ...grpoDefaults,
        policy: dir,
        iterations: 1,
        problemsPerIteration: 2,
        samplesPerProblem: 4,
        minibatchSize: 8,
        maxNewTokens: 32,
        samplesEvery: 0,
        checkpointEvery: 1000,
        gradientCheckpointing: true,
        precision,
      },
      problems(),
      out,
      { quiet: true },
    );
    const row = result.metrics[0] as unknown as Record<string, number>;
    figures.iterationSeconds = seconds(t); // with loading three 0.5B models and writing the checkpoint
    for (const [k, v] of Object.entries(row)) if (k.endsWith("Seconds")) figures[k] = Number(v.toFixed(1));
    figures.rollouts = row.rollouts!;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
figures.peakGiB = Number(((process.resourceUsage().maxRSS * 1024) / 2 ** 30).toFixed(2));
console.log(JSON.stringify(figures));

/** Two small function-writing problems with call tests (what they ask matters little to random weights). */
function problems(): Problem[] {
  const make = (name: string, doc: string, cases: [number[], number][]): Problem => {
    const prompt = `def ${name}(x):\n    """${doc}"""\n`;
    return {
      id: `bench/${name}`,
      source: "bench",
      prompt,
      starter: prompt,
      solution: `${prompt}    return ${name === "double" ? "2 * x" : "x + 1"}\n`,
      tests: {
        kind: "call",
        fnName: name,
        cases: cases.map(([args, expected]) => ({ args: args as never, expected: expected as never })),
      },
    };
  };
  return [
    make("double", "Return twice x.", [
      [[1], 2],
      [[3], 6],
    ]),
    make("increment", "Return x plus one.", [
      [[1], 2],
      [[4], 5],
    ]),
  ];
}
