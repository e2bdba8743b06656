// Parity with transformers: tiny random Llama, Qwen2 and Mistral models written by transformers
// (scripts/hf-reference/make-models.py) load in linewise with the same logits (within 1e-4, also left-padded)
// and, for causal LMs, the same 64 greedy tokens with and without the KV cache and left-padded; checkpoints
// linewise writes load in transformers with the same logits (scripts/hf-reference/outputs.py).
// Skipped with a message when the reference Python is absent.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attentionPath, manualSeed, noGrad, randn, scope, tensor } from "../../src/torch/index.js";
import {
  Llama,
  generate,
  llamaConfig,
  loadCheckpoint,
  pooledValues,
  saveCheckpoint,
  type LlamaConfig,
} from "../../src/model/index.js";
import { computeIn } from "../../src/train/mixed-precision.js";
import { runReferencePython, skipWithoutReferencePython } from "../helpers/reference-python.js";
import { llama31Scaling } from "./tiny.js"; // also: one thread for tiny matrices

const skip = skipWithoutReferencePython();
const tolerance = 1e-4;
let folder: string | null = null;

after(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The reference folder, made once for the whole file: every case written and computed by transformers. */
function references(): string {
  if (!folder) {
    folder = mkdtempSync(join(tmpdir(), "linewise-hf-"));
    runReferencePython("scripts/hf-reference/make-models.py", [join(folder, "models")]);
  }
  return join(folder, "models");
}

interface Reference {
  transformers: string;
  head: "lm" | "seq" | "token";
  ids: number[][];
  logits: number[];
  padded: { ids: number[][]; mask: number[][]; outputs: number[][] };
  pooled?: number[];
  greedy?: { prompts: number[][]; cache: number[]; noCache: number[]; padded: number[][] };
}

function maxAbsDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length, "output sizes differ");
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

function assertClose(ours: number[], theirs: number[], what: string): void {
  const diff = maxAbsDiff(ours, theirs);
  assert.ok(diff <= tolerance, `${what}: max |Δ| ${diff.toExponential(2)} > ${tolerance}`);
}

/** Per-token outputs: logits (B, T, V) or the scalar head (B, T), flattened. */
function outputs(model: Llama, ids: number[][], keyValid?: number[][]): number[] {
  return noGrad(() =>
    scope(() => {
      const hidden = model.forward(tensor(ids, { dtype: "int64" }), {
        keyValid: keyValid ? tensor(keyValid, { dtype: "bool" }) : null,
      });
      return (model.head === "lm" ? model.logits(hidden) : model.values(hidden)).toFlatArray();
    }),
  );
}

function checkCase(name: string): void {
  const dir = join(references(), name);
  const reference = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Reference;
  const model = loadCheckpoint(dir);
  try {
    assert.equal(model.head, reference.head === "lm" ? "lm" : "scalar");
    assertClose(outputs(model, reference.ids), reference.logits, `${name} logits`);

    // Left padding: outputs at the real tokens.
    const { ids, mask } = reference.padded;
    const padded = outputs(model, ids, mask);
    const t = ids[0]!.length;
    const width = padded.length / (2 * t);
    const pad = mask[0]!.indexOf(1);
    assertClose(
      padded.slice(pad * width, t * width),
      reference.padded.outputs[0]!,
      `${name} left-padded row`,
    );
    assertClose(padded.slice(t * width), reference.padded.outputs[1]!, `${name} unpadded row`);

    if (reference.pooled) {
      const pooled = noGrad(() =>
        scope(() => {
          const idsT = tensor(ids, { dtype: "int64" });
          const values = model.values(model.forward(idsT, { keyValid: tensor(mask, { dtype: "bool" }) }));
          return pooledValues(values, idsT, model.config.padTokenId).toFlatArray();
        }),
      );
      assertClose(pooled, reference.pooled, `${name} pooled (last non-pad token)`);
    }

    if (reference.greedy) {
      const g = reference.greedy;
      const greedy = (prompts: number[][], kvCache: boolean) =>
        generate(
          model,
          prompts.map((prompt) => ({ prompt, maxNewTokens: 64 })),
          { kvCache, endTokens: [] },
        ).map((samples) => samples[0]!.tokens);
      assert.deepEqual(greedy([g.prompts[0]!], true)[0], g.cache, `${name}: greedy with the KV cache`);
      assert.deepEqual(greedy([g.prompts[0]!], false)[0], g.noCache, `${name}: greedy without the KV cache`);
      assert.deepEqual(
        greedy(g.prompts, true),
        g.padded,
        `${name}: greedy, two prompts left-padded in one batch`,
      );
    }
  } finally {
    model.dispose();
  }
}

const cases = [
  "llama-mha",
  "llama-gqa-theta-v5",
  "llama-gqa-theta-v4",
  "llama-tied",
  "llama-bias-headdim",
  "llama-linear",
  "llama-dynamic",
  "llama-llama3",
  "qwen2-tied",
  "qwen2-sliding",
  "mistral",
  "mistral-sliding",
  "llama-seq-cls",
  "qwen2-seq-cls",
  "qwen2-token-cls",
  "mistral-token-cls",
];

for (const name of cases) {
  test(`transformers → linewise: ${name}`, { skip }, () => checkCase(name));
}

/** Checkpoints linewise writes, one per family and head, with every weight (biases too) at random. */
function ours(): { name: string; config: LlamaConfig }[] {
  const base = {
    vocabSize: 64,
    dModel: 32,
    nLayer: 2,
    nHead: 4,
    nKvHead: 2,
    intermediateSize: 48,
    maxPositions: 64,
    padTokenId: 0,
  };
  return [
    { name: "llama", config: llamaConfig({ ...base, ropeTheta: 500000 }) },
    {
      name: "llama-tied-bias",
      config: llamaConfig({
        ...base,
        tieWordEmbeddings: true,
        qkvBias: true,
        outputBias: true,
        mlpBias: true,
        headDim: 16,
      }),
    },
    { name: "llama-linear", config: llamaConfig({ ...base, ropeScaling: { type: "linear", factor: 4 } }) },
    {
      name: "llama-llama3",
      config: llamaConfig({
        ...base,
        dModel: 64,
        headDim: 16,
        ropeTheta: 500000,
        ropeScaling: llama31Scaling,
      }),
    },
    {
      name: "qwen2",
      config: llamaConfig({ ...base, family: "qwen2", qkvBias: true, tieWordEmbeddings: true }),
    },
    {
      name: "mistral-sliding",
      config: llamaConfig({ ...base, family: "mistral", slidingWindow: { size: 6, layers: [0, 1] } }),
    },
    { name: "llama-prm", config: llamaConfig({ ...base, head: "scalar" }) },
    {
      name: "qwen2-token-prm",
      config: llamaConfig({ ...base, family: "qwen2", qkvBias: true, head: "scalar", scoreBias: true }),
    },
  ];
}

const ids = [
  [3, 17, 22, 9, 41, 5, 63, 12, 8, 30, 2, 19, 44, 7, 26, 11],
  [50, 1, 33, 29, 6, 14, 38, 21, 57, 4, 10, 47, 23, 35, 16, 60],
];

/**
 * ours()' models with every weight at random, saved into a temporary folder; `check` gets each with what
 * transformers computes from its folder in each of `dtypes`.
 */
function withOurCheckpoints(
  dtypes: string[],
  check: (name: string, model: Llama, answers: { architecture: string; outputs: number[] }[]) => void,
): void {
  const dir = mkdtempSync(join(tmpdir(), "linewise-hf-out-"));
  const models = ours().map(({ name, config }, i) => {
    manualSeed(100 + i);
    const model = new Llama(config);
    noGrad(() => {
      for (const [n, p] of model.namedParameters())
        scope(
          () => void p.copy_(n.includes("norm") ? randn(p.shape).mul(0.2).add(1) : randn(p.shape).mul(0.2)),
        );
    });
    saveCheckpoint(join(dir, name), model);
    return { name, model };
  });
  try {
    // In bf16 the two attention kernels round differently, so transformers runs the one linewise runs:
    // eager for the matmul path, sdpa for libtorch's fused kernel (attentionPath.ts).
    const attention = attentionPath("cpu").path === "fused" ? "sdpa" : "eager";
    const request = {
      cases: models.flatMap(({ name }) =>
        dtypes.map((dtype) => ({
          dir: join(dir, name),
          ids,
          dtype,
          attention: dtype === "float32" ? "eager" : attention,
        })),
      ),
    };
    const answer = JSON.parse(
      runReferencePython("scripts/hf-reference/outputs.py", [], JSON.stringify(request)),
    ) as {
      cases: { architecture: string; outputs: number[] }[];
    };
    models.forEach(({ name, model }, i) =>
      check(name, model, answer.cases.slice(i * dtypes.length, (i + 1) * dtypes.length)),
    );
  } finally {
    for (const { model } of models) model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  "linewise → transformers: checkpoints linewise writes load in transformers with the same outputs",
  { skip },
  () =>
    withOurCheckpoints(["float32"], (name, model, [answer]) =>
      assertClose(outputs(model, ids), answer!.outputs, `${name} (${answer!.architecture})`),
    ),
);

test("in bfloat16 linewise computes what transformers computes in bfloat16", { skip }, () =>
  withOurCheckpoints(["float32", "bfloat16"], (name, model, [wide, narrow]) => {
    computeIn("bfloat16", [model]);
    // bf16 rounding moves the outputs away from float32; computing the same casts in the same places as
    // transformers, with the same attention kernel, must land much nearer its bf16 outputs than that.
    const ours = outputs(model, ids);
    const rounding = maxAbsDiff(narrow!.outputs, wide!.outputs);
    const gap = maxAbsDiff(ours, narrow!.outputs);
    assert.ok(rounding > 0, `${name}: transformers' bf16 outputs differ from float32`);
    assert.ok(
      gap <= 0.05 * rounding,
      `${name}: bf16 outputs differ from transformers' bf16 by ${gap.toExponential(2)}, bf16 rounding itself ${rounding.toExponential(2)}`,
    );
  }),
);
