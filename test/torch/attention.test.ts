import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as T from "../../src/torch/index.js";
import { native } from "../../src/torch/native.js";
import { assertClose } from "./helpers.js";

const hasFused = T.hasOperator("aten::scaled_dot_product_attention");
const noFused = hasFused
  ? false
  : `libtorch ${T.version().torch} has no fused attention operator; it came in 2.0`;

test("the attention path is the measured one for this libtorch and device, with its reason", () => {
  const choice = T.attentionPath("cpu");
  assert.ok(choice.path === "fused" || choice.path === "matmul");
  assert.ok(choice.why.length > 10, choice.why);
  if (!hasFused) assert.equal(choice.path, "matmul");
  assert.deepEqual(T.attentionPath("cpu:0"), choice); // by device type, not index
});

test(
  "the fused and matmul paths give the same values and gradients (causal, masked, plain)",
  { skip: noFused },
  () => {
    T.scope(() => {
      T.manualSeed(3);
      const [q, k, v] = [0, 1, 2].map(() =>
        T.randn([2, 3, 5, 8], { dtype: "float64", requiresGrad: true }),
      ) as [T.Tensor, T.Tensor, T.Tensor];
      // a padding mask that leaves every query at least one key (a row with none differs between kernels)
      const mask = T.tensor([[[[false, true, true, true, true]]], [[[true, true, true, true, true]]]]);
      for (const options of [{ causal: true }, { mask }, {}]) {
        const run = (path: T.AttentionPath) => {
          const y = T.F.scaledDotProductAttention(q, k, v, { ...options, path });
          y.square().sum().backward();
          const grads = [q, k, v].map((t) => t.grad!.toArray());
          native.zeroGrad([q.handle, k.handle, v.handle]);
          return { y: y.toArray(), grads };
        };
        const matmul = run("matmul");
        const fused = run("fused");
        assertClose(fused.y, matmul.y, 1e-10);
        assertClose(fused.grads, matmul.grads, 1e-9);
      }
    });
  },
);

test("LINEWISE_ATTENTION overrides the choice and a wrong value is a one-line error naming it", () => {
  const probe = (value: string) =>
    spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const T = await import(${JSON.stringify(new URL("../../src/torch/index.js", import.meta.url).href)});` +
          "try { console.log(JSON.stringify(T.attentionPath('cpu'))) } catch (e) { console.log(e.message) }",
      ],
      { encoding: "utf8", env: { ...process.env, LINEWISE_ATTENTION: value } },
    ).stdout.trim();
  assert.deepEqual(JSON.parse(probe("matmul")), { path: "matmul", why: "LINEWISE_ATTENTION=matmul" });
  assert.match(probe("flash"), /^LINEWISE_ATTENTION must be 'fused' or 'matmul', not 'flash'/);
  if (hasFused)
    assert.deepEqual(JSON.parse(probe("fused")), { path: "fused", why: "LINEWISE_ATTENTION=fused" });
  else
    assert.match(
      probe("fused"),
      /^LINEWISE_ATTENTION=fused: libtorch .* has no aten::scaled_dot_product_attention/,
    );
});
