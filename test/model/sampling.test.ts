import { test } from "node:test";
import assert from "node:assert/strict";
import { manualSeed, memory, scope, tensor } from "../../src/torch/index.js";
import { RowSampler, type SamplingParams } from "../../src/model/index.js";
import "./tiny.js";

const vocab = 600;

/** Row logits: a peaked row (few tokens hold most mass) and a flat one (the nucleus spans hundreds). */
function rowLogits(kind: "peaked" | "flat"): number[] {
  return Array.from(
    { length: vocab },
    (_, i) => (kind === "peaked" ? -0.5 * i : -0.0005 * i) + 0.001 * Math.sin(i),
  );
}

/** The tokens a row may draw, computed directly: top-k, then top-p over the renormalised rest. */
function allowed(logits: number[], p: SamplingParams): Set<number> {
  const t = p.temperature!;
  const order = logits
    .map((l, i) => [l / t, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, p.topK || vocab);
  const max = order[0]![0];
  const weights = order.map(([l]) => Math.exp(l - max));
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Set<number>();
  let mass = 0;
  for (let k = 0; k < order.length && mass < (p.topP ?? 1); k++) {
    out.add(order[k]![1]);
    mass += weights[k]! / total;
  }
  return out;
}

/** Draws `draws` tokens for each row setting (rows repeated) and returns them per setting. */
function draw(rows: { logits: number[]; params: SamplingParams }[], draws: number): number[][] {
  const params = rows.flatMap((r) => Array<SamplingParams>(draws).fill(r.params));
  const sampler = new RowSampler(params, vocab);
  const tokens = scope(() => {
    const logits = tensor(rows.flatMap((r) => Array<number[]>(draws).fill(r.logits)));
    return sampler.sample(logits).tokens.toFlatArray();
  });
  sampler.dispose();
  return rows.map((_, i) => tokens.slice(i * draws, (i + 1) * draws));
}

test("top-p and top-k draw only from their sets, from candidates or after falling back to a full sort", () => {
  manualSeed(3);
  const settings: { logits: number[]; params: SamplingParams }[] = [
    { logits: rowLogits("peaked"), params: { temperature: 1, topP: 0.9 } }, // nucleus among the candidates
    { logits: rowLogits("flat"), params: { temperature: 1, topP: 0.5 } }, // nucleus beyond them: full sort
    { logits: rowLogits("peaked"), params: { temperature: 2, topK: 4, topP: 0.6 } }, // top-p within top-k
    { logits: rowLogits("flat"), params: { temperature: 1, topK: 3 } },
  ];
  const drawn = draw(settings, 400);
  settings.forEach((s, i) => {
    const set = allowed(s.logits, s.params);
    const seen = new Set(drawn[i]);
    assert.ok(
      [...seen].every((t) => set.has(t)),
      `setting ${i}: drew ${[...seen].filter((t) => !set.has(t))} outside the set`,
    );
    if (set.size <= 8) assert.equal(seen.size, set.size, `setting ${i}: every allowed token appears`);
    else assert.ok(seen.size > 50, `setting ${i}: draws spread over the nucleus (${seen.size})`);
  });
  assert.ok(
    allowed(settings[1]!.logits, settings[1]!.params).size > 256,
    "the flat row's nucleus exceeds the candidates",
  );
  const top256 = allowed(settings[1]!.logits, { temperature: 1, topK: 256 });
  assert.ok(
    drawn[1]!.some((t) => !top256.has(t)),
    "the flat row draws beyond the 256 candidates",
  );
});

test("greedy rows in a sampled batch take the argmax; log-probs are those of softmax(logits / T)", () => {
  manualSeed(4);
  const logits = [rowLogits("flat"), rowLogits("flat")];
  const sampler = new RowSampler([{ temperature: 0 }, { temperature: 0.5, topP: 0.99 }], vocab);
  const before = memory().tensors;
  const { tokens, logprobs } = scope(() => {
    const out = sampler.sample(tensor(logits));
    return { tokens: out.tokens.toFlatArray(), logprobs: out.logprobs.toFlatArray() };
  });
  assert.equal(memory().tensors, before);
  assert.equal(tokens[0], logits[0]!.indexOf(Math.max(...logits[0]!)));
  [1, 0.5].forEach((t, row) => {
    const scaled = logits[row]!.map((l) => l / t);
    const max = Math.max(...scaled);
    const logZ = max + Math.log(scaled.reduce((a, l) => a + Math.exp(l - max), 0));
    assert.ok(Math.abs(logprobs[row]! - (scaled[tokens[row]!]! - logZ)) < 1e-4);
  });
  sampler.select([1]);
  const again = scope(() => sampler.sample(tensor([logits[1]!])).tokens.toFlatArray());
  assert.equal(again.length, 1);
  sampler.dispose();
});
