// GRPO's advantages and loss against TRL's GRPOTrainer (scripts/trl-reference/grpo.py) on one tiny model
// and one fixed batch of completions and rewards; skipped with a message without the reference Python.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualSeed, noGrad, scope, tensor } from "../../src/torch/index.js";
import {
  Llama,
  disposePacked,
  llamaConfig,
  packPairs,
  saveCheckpoint,
  scoreResponses,
} from "../../src/model/index.js";
import { Tokenizer } from "../../src/model/tokenizer/index.js";
import { groupAdvantages } from "../../src/train/group-advantages.js";
import { grpoPolicyLoss, type LossAveraging } from "../../src/train/grpo-loss.js";
import { runReferencePython, skipWithoutReferencePython } from "../helpers/reference-python.js";

const skip = skipWithoutReferencePython();
let dir: string;
let model: Llama;

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "linewise-grpo-trl-"));
  const tokenizer = Tokenizer.train(["def f(x):\n    return x + 1\n", "def g(a, b):\n    return a * b\n"], {
    vocabSize: 280,
  });
  manualSeed(3);
  model = new Llama(
    llamaConfig({
      vocabSize: tokenizer.vocabSize,
      nLayer: 2,
      dModel: 32,
      nHead: 2,
      maxPositions: 64,
      bosTokenId: tokenizer.bosId,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    }),
  );
  saveCheckpoint(join(dir, "policy"), model, tokenizer);
});

after(() => {
  if (skip) return;
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// Two prompts of one length, groups of 4 completions of different lengths, and rewards with a tie.
const prompts = [
  [0, 40, 41, 42, 43],
  [0, 50, 51, 52, 53],
];
const completions = [
  [60, 61, 62, 1],
  [60, 70],
  [71, 72, 73, 74, 75, 1],
  [80],
  [90, 91, 92],
  [93, 94, 1],
  [95, 96, 97, 98, 99, 100, 1],
  [101, 102],
];
const rewards = [1, 0, 0.5, 1, 0, -0.3, 1, 0];
const group = 4;
const maxNewTokens = 12;
// π_old and π_ref as offsets from the model's own log-probabilities, large enough that some ratios clip.
const offset = (i: number, t: number, k: number) => 0.35 * Math.sin(k * (i + 1) + 1.7 * t);

test(
  "GRPO's advantages and loss equal TRL's GRPOTrainer's (grpo, bnpo, dapo, dr_grpo; β > 0, k3 with and without the ratio)",
  { skip },
  () => {
    const packed = packPairs(
      completions.map((c, i) => ({ prompt: prompts[Math.floor(i / group)]!, response: c })),
      0,
    );
    try {
      const logprobs = noGrad(() =>
        scope(() => scoreResponses(model, packed, { logprobs: true }).logprobs!.toFlatArray()),
      );
      const width = packed.responseWidth;
      const own = completions.map((c, i) => Array.from(logprobs.slice(i * width, i * width + c.length)));
      const old = own.map((row, i) => row.map((lp, t) => lp + offset(i, t, 3)));
      const ref = own.map((row, i) => row.map((lp, t) => lp + offset(i, t, 5)));
      const groups = completions.map((_, i) => Math.floor(i / group));

      for (const [scale, klRatio, types] of [
        ["group", true, ["grpo", "bnpo", "dapo", "dr_grpo"]],
        ["none", false, ["grpo", "dr_grpo"]],
      ] as const) {
        const trl = JSON.parse(
          runReferencePython(
            "scripts/trl-reference/grpo.py",
            [],
            JSON.stringify({
              checkpoint: join(dir, "policy"),
              prompts,
              completions,
              rewards,
              old,
              ref,
              beta: 0.04,
              epsilon: 0.2,
              max_completion_length: maxNewTokens,
              scale_rewards: scale,
              use_bias_correction_kl: klRatio,
              loss_types: types,
            }),
          ),
        ) as { advantages: number[]; loss: Record<string, number>; logps: number[][] };

        // The same model gives the same log-probabilities in both (else the losses cannot agree).
        own.forEach((row, i) =>
          row.forEach((lp, t) =>
            assert.ok(
              Math.abs(lp - trl.logps[i]![t]!) < 1e-4,
              `log-prob ${i}/${t}: ${lp} vs TRL ${trl.logps[i]![t]}`,
            ),
          ),
        );

        const advantages = groupAdvantages(rewards, groups, { algo: "grpo", scaleByStd: scale === "group" });
        advantages.forEach((a, i) =>
          assert.ok(
            Math.abs(a - trl.advantages[i]!) < 1e-5,
            `advantage ${i}: ${a} vs TRL ${trl.advantages[i]}`,
          ),
        );
        const averaging: Record<string, LossAveraging> = {
          grpo: "sequence",
          bnpo: "token",
          dapo: "token",
          dr_grpo: "constant",
        };
        for (const type of types) {
          const loss = noGrad(() =>
            scope(() => {
              const rows = (xs: number[][]) => {
                const data = new Float32Array(completions.length * width);
                xs.forEach((row, i) => data.set(row, i * width));
                return tensor(data, { shape: [completions.length, width] });
              };
              const current = scoreResponses(model, packed, { logprobs: true }).logprobs!;
              return grpoPolicyLoss(
                current,
                rows(old),
                rows(ref),
                rows(completions.map((c, i) => c.map(() => advantages[i]!))),
                packed.responseMask,
                { clipRange: 0.2, beta: 0.04, klRatio, averaging: averaging[type]!, maxNewTokens },
              ).loss.item();
            }),
          );
          assert.ok(
            Math.abs(loss - trl.loss[type]!) < 1e-5,
            `${type} (scale_rewards ${scale}, use_bias_correction_kl ${klRatio}): linewise ${loss} vs TRL ${trl.loss[type]}`,
          );
        }
      }
    } finally {
      disposePacked(packed);
    }
  },
);
