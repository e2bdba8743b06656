/**
 * Training in bfloat16 with float32 master weights (src/train/mixed-precision.ts): the masters keep updates
 * bfloat16 cannot hold, every trainer computes in bf16 and still writes float32 checkpoints, it trains
 * the same way as float32 does, and a resumed bf16 run ends exactly where an uninterrupted one does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AdamW, loadSafetensors, memory, noGrad, scope, tensor } from "../../src/torch/index.js";
import { Llama, generate, llamaConfig, loadCheckpoint } from "../../src/model/index.js";
import { MixedPrecision, type Precision } from "../../src/train/mixed-precision.js";
import { grpoDefaults, trainGrpo } from "../../src/train/grpo.js";
import { halfRightFixture, tinyProblems, tinyRl } from "./ppo-tiny.js";
import { tinyTrainers, type TinyTrainer } from "./tiny-trainers.js";

const fixture = halfRightFixture();

test("float32 masters keep the updates that bfloat16 weights would round away", () => {
  // bf16 spaces numbers just below 1 by 2^-8 ≈ 0.0039: AdamW steps of 5e-4 move a bf16 weight nowhere.
  const model = new Llama(llamaConfig({ vocabSize: 16, nLayer: 1, dModel: 8, nHead: 2 }));
  const weight = model.model.norm.weight; // ones
  const precision = MixedPrecision.setUp("bfloat16", [model], [weight]);
  const naive = scope(() => tensor([1, 1, 1, 1, 1, 1, 1, 1]).to("bfloat16")).requiresGrad_(true);
  const opt = new AdamW(precision.params, { lr: 5e-4, weightDecay: 0 });
  const naiveOpt = new AdamW([naive], { lr: 5e-4, weightDecay: 0 });
  assert.equal(weight.dtype, "bfloat16");
  assert.equal(precision.params[0]!.dtype, "float32");
  for (let step = 0; step < 3; step++) {
    scope(() => weight.sum().backward());
    scope(() => naive.sum().backward());
    precision.gradientsToMasters();
    opt.stepUpdate();
    opt.zeroGrad();
    precision.mastersToModel();
    naiveOpt.stepUpdate();
    naiveOpt.zeroGrad();
  }
  const value = (t: typeof weight) => scope(() => t.float().max().item() as number);
  assert.equal(value(naive), 1, "AdamW straight on bf16 weights loses every step");
  assert.equal(value(weight), 1, "the bf16 copy still rounds to 1");
  assert.ok(Math.abs(value(precision.params[0]!) - 0.9985) < 1e-5, "the master moved by 3 × 5e-4");
  precision.withMasterWeights(() => {
    assert.equal(weight.dtype, "float32");
    assert.ok(Math.abs(value(weight) - 0.9985) < 1e-5, "a checkpoint is written from the master");
  });
  assert.equal(weight.dtype, "bfloat16", "the model computes in bf16 again after saving");
  for (let step = 0; step < 7; step++) {
    scope(() => weight.sum().backward());
    precision.gradientsToMasters();
    opt.stepUpdate();
    opt.zeroGrad();
    precision.mastersToModel();
  }
  assert.ok(value(weight) < 1, "ten small steps add up to one bf16 step");
  for (const t of [opt, naiveOpt, precision, naive, model]) t.dispose();
});

test("a bfloat16 model's logits follow its float32 weights, with and without the KV cache", () => {
  const model = new Llama(llamaConfig({ vocabSize: 64, nLayer: 2, dModel: 32, nHead: 4, nKvHead: 2 }));
  const ids = tensor([[3, 9, 27, 11, 5, 60, 2, 8]], { dtype: "int64" });
  const wide = noGrad(() => scope(() => model.logits(model.forward(ids))));
  MixedPrecision.setUp("bfloat16", [model], []).dispose();
  assert.equal(model.dtype, "bfloat16");
  const narrow = noGrad(() => scope(() => model.logits(model.forward(ids))));
  assert.equal(narrow.dtype, "float32", "logits are widened before any softmax or loss");
  const gap = scope(() => narrow.sub(wide).abs().max().item() as number);
  const size = scope(() => wide.abs().max().item() as number);
  assert.ok(gap > 0 && gap < 0.05 * size, `bf16 logits within bf16 rounding of float32 (${gap} of ${size})`);
  const greedy = (kvCache: boolean) =>
    generate(model, [{ prompt: [1, 2, 3], maxNewTokens: 12, temperature: 0 }], {
      kvCache,
      endTokens: [],
    })[0]![0]!.tokens;
  assert.equal(greedy(true).length, 12);
  assert.deepEqual(greedy(true), greedy(false));
  for (const t of [ids, wide, narrow, model]) t.dispose();
});

/** The dtypes of a checkpoint's weights as written (loadCheckpoint would widen them). */
function storedDtypes(checkpoint: string): Set<string> {
  const weights = loadSafetensors(join(checkpoint, "model.safetensors")).tensors;
  const dtypes = new Set([...weights.values()].map((t) => t.dtype));
  for (const t of weights.values()) t.dispose();
  return dtypes;
}

/**
 * Trains both ways from the same seed: the bf16 run writes float32 checkpoints and moves the weights the
 * way the float32 run does (the two moves' cosine close to 1).
 */
async function trainsAsFloat32(
  name: string,
  train: (precision: Precision, runDir: string) => Promise<string>,
  models = [""],
): Promise<void> {
  const before = memory().tensors;
  const wide = await train("float32", join(fixture.dir, `${name}-float32`));
  const narrow = await train("bfloat16", join(fixture.dir, `${name}-bfloat16`));
  assert.equal(memory().tensors, before, `${name}: no tensor outlives training`);
  for (const sub of models) {
    assert.deepEqual(
      storedDtypes(join(narrow, sub)),
      new Set(["float32"]),
      `${name} ${sub}: float32 on disk`,
    );
    const start = sub === "" ? fixture.policy : join(wide, sub); // a value model starts elsewhere: compare weights
    const cosine = moveCosine(start, join(wide, sub), join(narrow, sub), sub !== "");
    assert.ok(
      cosine > 0.9,
      `${name} ${sub}: the bf16 run moves the weights as float32 does (cosine ${cosine})`,
    );
  }
}

/** Cosine between the two runs' weight changes from `start` (or between the weights themselves). */
function moveCosine(start: string, a: string, b: string, weightsOnly: boolean): number {
  const [s, x, y] = [start, a, b].map((dir) => loadCheckpoint(dir));
  let dot = 0;
  let xx = 0;
  let yy = 0;
  const other = new Map(y!.namedParameters());
  const origin = new Map(s!.namedParameters());
  for (const [name, p] of x!.namedParameters())
    scope(() => {
      if (!origin.has(name)) return; // a PRM's fresh scalar head
      const dx = weightsOnly ? p : p.sub(origin.get(name)!);
      const dy = weightsOnly ? other.get(name)! : other.get(name)!.sub(origin.get(name)!);
      dot += dx.mul(dy).sum().item() as number;
      xx += dx.square().sum().item() as number;
      yy += dy.square().sum().item() as number;
    });
  for (const m of [s, x, y]) m!.dispose();
  assert.ok(xx > 0, "training changed the weights");
  return dot / Math.sqrt(xx * yy);
}

const trainers = tinyTrainers(fixture);
const both = (trainer: TinyTrainer) => (precision: Precision, run: string) => trainer({ precision }, run);

test("SFT in bfloat16 trains as float32 and writes float32 checkpoints", async () => {
  await trainsAsFloat32("sft", both(trainers.sft));
});

test("PRM training in bfloat16 trains as float32", async () => {
  await trainsAsFloat32("prm", both(trainers.prm));
});

test("DPO in bfloat16 trains as float32", async () => {
  await trainsAsFloat32("dpo", both(trainers.dpo));
});

test("PPO in bfloat16 writes float32 policy and value checkpoints", async () => {
  const checkpoint = await trainers.ppo({ precision: "bfloat16" }, join(fixture.dir, "ppo-bfloat16"));
  for (const sub of ["", "value"])
    assert.deepEqual(storedDtypes(join(checkpoint, sub)), new Set(["float32"]), `ppo ${sub}`);
});

const rl = { ...tinyRl, policyLr: 3e-4, checkpointEvery: 1, precision: "bfloat16" as const };

test("GRPO in bfloat16 resumed from its checkpoint ends where an uninterrupted run does", async () => {
  const config = { ...grpoDefaults, ...rl, policy: fixture.policy };
  const options = { quiet: true, executor: fixture.executor };
  const straight = await trainGrpo(
    { ...config, iterations: 2 },
    tinyProblems,
    join(fixture.dir, "grpo-straight"),
    options,
  );
  const resumedDir = join(fixture.dir, "grpo-resumed");
  await trainGrpo({ ...config, iterations: 1 }, tinyProblems, resumedDir, options);
  const resumed = await trainGrpo({ ...config, iterations: 2 }, tinyProblems, resumedDir, {
    ...options,
    resume: true,
  });
  const a = loadCheckpoint(straight.checkpoint);
  const b = loadCheckpoint(resumed.checkpoint);
  const other = new Map(b.namedParameters());
  for (const [name, p] of a.namedParameters())
    scope(() => assert.equal(p.sub(other.get(name)!).abs().max().item(), 0, `${name} equal after resuming`));
  a.dispose();
  b.dispose();
});
