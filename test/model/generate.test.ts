import { test } from "node:test";
import assert from "node:assert/strict";
import { memory, noGrad } from "../../src/torch/index.js";
import {
  disposePacked,
  generate,
  packPairs,
  scoreResponses,
  type GenerationRequest,
} from "../../src/model/index.js";
import { tinyModel } from "./tiny.js";

const tokensOf = (results: { tokens: number[] }[][]) => results.map((r) => r.map((s) => s.tokens));

// Mixed prompt lengths and budgets, several samples of one prompt, more rows than one batch holds.
const mixed: GenerationRequest[] = [
  { prompt: [1, 2, 3], maxNewTokens: 12 },
  { prompt: [4, 5, 6, 7, 8, 9, 10, 11], maxNewTokens: 20, n: 3 },
  { prompt: [12], maxNewTokens: 5 },
  { prompt: [13, 14], maxNewTokens: 16, n: 2 },
  { prompt: [15, 16, 17, 18, 19], maxNewTokens: 9 },
];

test("greedy decoding with the KV cache equals recomputing the whole sequence, token for token", () => {
  const model = tinyModel();
  for (const maxBatch of [64, 3]) {
    const cached = generate(model, mixed, { maxBatch });
    const recomputed = generate(model, mixed, { maxBatch, kvCache: false });
    assert.deepEqual(tokensOf(cached), tokensOf(recomputed));
    cached.flat().forEach((s, i) => {
      const other = recomputed.flat()[i]!;
      s.logprobs.forEach((lp, j) => assert.ok(Math.abs(lp - other.logprobs[j]!) < 1e-4, `logprob ${j}`));
    });
    assert.deepEqual(
      cached.map((r) => r.map((s) => s.tokens.length)),
      mixed.map((r) => Array(r.n ?? 1).fill(r.maxNewTokens)),
    );
  }
  model.dispose();
});

test("a batch gives each prompt the same greedy tokens as generating it alone", () => {
  const model = tinyModel({ nKvHead: 1 });
  const requests = [...mixed, { ...mixed[0]!, n: 2 }]; // a repeated prompt is prefilled once and shared
  const batched = tokensOf(generate(model, requests));
  const alone = requests.map((r) => tokensOf(generate(model, [r]))[0]!);
  assert.deepEqual(batched, alone);
  for (const samples of batched)
    samples.forEach((s) => assert.deepEqual(s, samples[0]), "greedy samples of one prompt agree");
  model.dispose();
});

test("seeded sampling is reproducible, and the n samples of a prompt differ", () => {
  const model = tinyModel();
  const request: GenerationRequest = { prompt: [3, 1, 4], maxNewTokens: 12, n: 6, temperature: 1.5 };
  const a = generate(model, [request], { seed: 11 });
  const b = generate(model, [request], { seed: 11 });
  assert.deepEqual(tokensOf(a), tokensOf(b));
  assert.ok(new Set(a[0]!.map((s) => s.tokens.join())).size > 1, "samples differ");
  const c = generate(model, [request], { seed: 12 });
  assert.notDeepEqual(tokensOf(a), tokensOf(c));
  model.dispose();
});

test("top-k 1 and a tiny top-p reduce sampling to greedy; top-k k draws only among the k most likely", () => {
  const model = tinyModel();
  const greedy = tokensOf(generate(model, [{ prompt: [2, 7], maxNewTokens: 10 }]))[0]![0]!;
  const topK1 = generate(model, [{ prompt: [2, 7], maxNewTokens: 10, temperature: 2, topK: 1, n: 3 }], {
    seed: 1,
  });
  const topP = generate(model, [{ prompt: [2, 7], maxNewTokens: 10, temperature: 2, topP: 1e-6, n: 3 }], {
    seed: 1,
  });
  for (const s of [...topK1[0]!, ...topP[0]!]) assert.deepEqual(s.tokens, greedy);

  // The first token of many top-3 samples: always one of the three most likely under the model.
  const first = generate(model, [{ prompt: [2, 7], maxNewTokens: 1, temperature: 5, topK: 3, n: 200 }], {
    seed: 2,
  })[0]!.map((s) => s.tokens[0]!);
  const scored = noGrad(() => {
    const packed = packPairs([{ prompt: [2, 7], response: [0] }]);
    const logits = model.logits(model.forward(packed.ids).select(1, 1)).toFlatArray();
    disposePacked(packed);
    return logits;
  });
  const top3 = scored
    .map((v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, 3)
    .map(([, i]) => i);
  assert.ok(
    first.every((t) => top3.includes(t)),
    `${[...new Set(first)]} within ${top3}`,
  );
  assert.equal(new Set(first).size, 3, "temperature 5 reaches all three");
  model.dispose();
});

test("log-probabilities returned by sampling equal those of scoring the same responses", () => {
  const model = tinyModel();
  const requests: GenerationRequest[] = [
    { prompt: [5, 6, 7, 8], maxNewTokens: 7, temperature: 0.7, n: 2 },
    { prompt: [9], maxNewTokens: 7, temperature: 0.7 },
  ];
  const samples = generate(model, requests, { seed: 5 });
  const pairs = samples.flatMap((r, i) =>
    r.map((s) => ({ prompt: requests[i]!.prompt, response: s.tokens })),
  );
  const scored = noGrad(() => {
    const packed = packPairs(pairs);
    const { logprobs } = scoreResponses(model, packed, { logprobs: true, temperature: 0.7 });
    const rows = logprobs!.toArray() as number[][];
    logprobs!.dispose();
    disposePacked(packed);
    return rows;
  });
  samples
    .flat()
    .forEach((s, i) =>
      s.logprobs.forEach((lp, j) =>
        assert.ok(Math.abs(lp - scored[i]![j]!) < 1e-4, `sample ${i} token ${j}: ${lp} vs ${scored[i]![j]}`),
      ),
    );
  model.dispose();
});

test("an end token stops a sample, is kept in its tokens, and is reported as stop", () => {
  const model = tinyModel();
  const free = tokensOf(generate(model, [{ prompt: [1, 2, 3], maxNewTokens: 12 }]))[0]![0]!;
  const end = free[4]!;
  const cut = free.indexOf(end);
  const [sample] = generate(model, [{ prompt: [1, 2, 3], maxNewTokens: 12 }], { endTokens: [end] })[0]!;
  assert.deepEqual(sample!.tokens, free.slice(0, cut + 1));
  assert.equal(sample!.logprobs.length, cut + 1);
  assert.equal(sample!.finishReason, "stop");
  const [long] = generate(model, [{ prompt: [1, 2, 3], maxNewTokens: 12 }], { endTokens: [] })[0]!;
  assert.equal(long!.finishReason, "length");
  model.dispose();
});

test("repeated generation does not grow the number of live tensors", () => {
  const model = tinyModel();
  const run = () => {
    generate(model, mixed, { maxBatch: 4 });
    generate(model, mixed, { kvCache: false });
    generate(model, [{ prompt: [1, 2], maxNewTokens: 6, n: 5, temperature: 1, topK: 5, topP: 0.9 }], {
      seed: 1,
    });
  };
  run();
  const before = memory();
  for (let i = 0; i < 3; i++) run();
  assert.equal(memory().tensors, before.tensors);
  assert.equal(memory().bytes, before.bytes);
  model.dispose();
});
