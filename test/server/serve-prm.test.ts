import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { segmentResponse } from "../../src/labels/segment.js";
import { saveCheckpoint, withHead } from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { tinyLlama } from "../helpers/tiny-model.js";
import { psgpoLineRewards } from "../../src/rewards/process.js";
import { PrmServer } from "../../src/server/prm-server.js";
import { setNumThreads } from "../../src/torch/index.js";
import { PrmScorer, writePrmInfo } from "../../src/train/prm-scorer.js";
import { serve } from "./serve.js";

setNumThreads(1);

const items = [
  { prompt: "def add(a, b):\n", response: "    # sum\n    return a + b\n" },
  { prompt: "def neg(x):\n", response: "    y = -x\n\n    return y\n" },
  { prompt: "Write a function f.\n", response: "def f(n):\n    return n * 2\n" },
  { prompt: "def sq(x):\n", response: "    return x * x" },
];
const labels = ["pass", "fail", "fail", "pass"];
const weights = { lambdaPass: 0.5, lambdaFail: 1 };

let dir: string;
let prm: string;
let scorer: PrmScorer;
let server: PrmServer;
let url: string;
/** The local scorer's scores of each item's lines, and whether each line is neutral. */
let expected: { scores: number[]; neutral: boolean[] }[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "linewise-serve-prm-"));
  const tokenizer = Tokenizer.train(
    items.map((x) => x.prompt + x.response),
    { vocabSize: 300 },
  );
  const lm = tinyLlama(tokenizer);
  const scalar = withHead(lm, "scalar");
  prm = join(dir, "prm");
  saveCheckpoint(prm, scalar, tokenizer);
  writePrmInfo(prm, { loss: "mse" });
  lm.dispose();
  scalar.dispose();
  scorer = PrmScorer.load(prm, { batchSize: 3 });
  const steps = await Promise.all(items.map((x) => segmentResponse("", x.response, "line")));
  const scores = scorer.scoreBatch(
    items.map((x, i) => ({ ...x, steps: steps[i]!.steps.map((s) => s.text) })),
  );
  expected = scores.map((s, i) => ({ scores: s, neutral: steps[i]!.steps.map((st) => st.neutral) }));
  server = new PrmServer({
    scorer,
    reward: { rule: "psgpo", ...weights },
    granularity: "line",
    token: "tok",
    batchWindowMs: 30,
  });
  url = `http://127.0.0.1:${(await server.listen(0)).port}`;
});

after(async () => {
  await server.close();
  scorer.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, token: string | null = "tok") =>
  fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

const close = (a: number[], b: number[]) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-5);

interface RewardBody {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
  step_scores: number[][];
}

test("OpenRLHF's protocol: rewards are Σ λ(o)·PRM_i/L of the local scorer's scores, per-line scores beside them", async () => {
  const eos = scorer.tokenizer.idToToken(scorer.tokenizer.eosId)!;
  const res = await post("/get_reward", {
    query: items.map((x) => x.prompt + x.response + eos),
    prompts: items.map((x) => x.prompt),
    labels,
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as RewardBody;
  body.step_scores.forEach((s, i) => assert.ok(close(s, expected[i]!.scores), `item ${i}`));
  const want = expected.map((e, i) =>
    psgpoLineRewards(e.scores, e.neutral, labels[i] === "pass", weights).reduce((a, b) => a + b, 0),
  );
  assert.ok(close(body.rewards, want));
  assert.deepEqual(body.scores, body.rewards);
  assert.deepEqual(Object.keys(body.extra_logs).sort(), ["prm_last", "prm_mean", "prm_min", "prm_steps"]);
  assert.deepEqual(
    body.extra_logs["prm_steps"],
    expected.map((e) => e.neutral.filter((n) => !n).length),
  );
  assert.ok(expected[0]!.neutral[0], "a comment line is neutral (it earns 0)");
});

test("concurrent clients share batches and get the same scores as the local PrmScorer", async () => {
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, c) => {
      const i = c % items.length;
      return post("/get_reward", {
        query: [items[i]!.prompt + items[i]!.response],
        prompts: [items[i]!.prompt],
        labels: [labels[i]],
      }).then(async (r) => ({ i, body: (await r.json()) as RewardBody }));
    }),
  );
  for (const { i, body } of answers)
    assert.ok(close(body.step_scores[0]!, expected[i]!.scores), `client for item ${i}`);
});

test("the per-step route returns each step with its end offset and score", async () => {
  const res = await post("/v1/steps", {
    prompts: items.map((x) => x.prompt),
    responses: items.map((x) => x.response),
  });
  const { results } = (await res.json()) as {
    results: { steps: { text: string; end: number; score: number; neutral: boolean }[] }[];
  };
  results.forEach(({ steps }, i) => {
    const response = items[i]!.response;
    assert.equal(steps.map((s) => s.text).join(""), response);
    let start = 0;
    for (const s of steps) {
      assert.equal(response.slice(start, s.end), s.text);
      start = s.end;
    }
    assert.ok(
      close(
        steps.map((s) => s.score),
        expected[i]!.scores,
      ),
    );
  });
});

test("malformed requests get a 400 naming the field; no token gets a 401", async () => {
  const param = async (body: unknown) => {
    const res = await post("/get_reward", body);
    assert.equal(res.status, 400);
    return ((await res.json()) as { error: { param: string } }).error.param;
  };
  assert.equal(await param({ prompts: ["a"] }), "query");
  assert.equal(await param({ query: ["ab"], prompts: [] }), "prompts");
  assert.equal(await param({ query: ["ab"], prompts: ["z"], labels: ["pass"] }), "prompts[0]");
  assert.equal(await param({ query: ["ab"], prompts: ["a"], labels: ["maybe"] }), "labels[0]");
  assert.equal(await param({ query: ["ab"], prompts: ["a"] }), "labels");
  assert.equal((await post("/v1/steps", { prompts: ["a"], responses: [1] })).status, 400);
  assert.equal(
    (await post("/get_reward", { query: ["ab"], prompts: ["a"], labels: ["pass"] }, null)).status,
    401,
  );
});

test("linewise serve-prm serves a checkpoint with --reward last and stops on SIGTERM", async () => {
  const served = await serve("serve-prm", ["--prm", prm, "--reward", "last"]);
  try {
    const res = await fetch(served.url + "/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: [items[1]!.prompt + items[1]!.response], prompts: [items[1]!.prompt] }),
    });
    const body = (await res.json()) as RewardBody;
    const e = expected[1]!;
    const last = e.scores.filter((_, k) => !e.neutral[k]).at(-1)!;
    assert.ok(Math.abs(body.rewards[0]! - last) < 1e-5);
  } finally {
    assert.equal(await served.stop("SIGTERM"), 0);
  }
});
