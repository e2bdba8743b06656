import { test } from "node:test";
import assert from "node:assert/strict";
import * as T from "../../src/torch/index.js";
import { assertClose } from "./helpers.js";

test("AdamW's first two steps match the formula computed by hand", () => {
  T.scope(() => {
    const p = T.tensor([1, -2], { dtype: "float64", requiresGrad: true });
    const opt = new T.AdamW([p], { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.5 });
    // loss = sum(p²) → grad = 2p
    let x = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    for (let step = 1; step <= 2; step++) {
      p.square().sum().backward();
      opt.stepUpdate();
      opt.zeroGrad();
      x = x.map((xi, i) => {
        const g = 2 * xi;
        const decayed = xi * (1 - 0.1 * 0.5);
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.99 * v[i]! + 0.01 * g * g;
        const mHat = m[i]! / (1 - 0.9 ** step);
        const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - 0.99 ** step) + 1e-8;
        return decayed - (0.1 * mHat) / denom;
      });
      assertClose(p.toArray(), x, 1e-9);
    }
    assert.equal(p.grad, null);
    opt.dispose();
  });
});

test("AdamW state saved and restored continues identically", () => {
  T.scope(() => {
    const run = (restore: boolean) => {
      const p = T.tensor([0.3, -0.7], { dtype: "float64", requiresGrad: true });
      const opt = new T.AdamW([p], { lr: 0.05 });
      const step = () => {
        T.scope(() => p.pow(3).sum().backward());
        opt.stepUpdate();
        opt.zeroGrad();
      };
      step();
      step();
      if (restore) {
        const saved = new Map([...opt.stateTensors()].map(([k, t]) => [k, t.clone()]));
        const fresh = new T.AdamW([p], { lr: 0.05 });
        fresh.loadState(opt.step, saved);
        T.scope(() => p.pow(3).sum().backward());
        fresh.stepUpdate();
      } else step();
      return p.toArray();
    };
    assert.deepEqual(run(true), run(false));
  });
});

test("parameter groups: per-group weight decay", () => {
  T.scope(() => {
    const a = T.tensor([1], { dtype: "float64", requiresGrad: true });
    const b = T.tensor([1], { dtype: "float64", requiresGrad: true });
    const opt = new T.AdamW([{ params: [a] }, { params: [b], weightDecay: 0 }], { lr: 0.1, weightDecay: 1 });
    a.mul(0).sum().add(b.mul(0).sum()).backward(); // zero gradients: only decay moves a parameter
    opt.stepUpdate();
    assertClose(a.toArray(), [0.9]);
    assertClose(b.toArray(), [1]);
  });
});

test("SGD with momentum", () => {
  T.scope(() => {
    const p = T.tensor([1], { dtype: "float64", requiresGrad: true });
    const opt = new T.SGD([p], 0.1, 0.9);
    for (let i = 0; i < 2; i++) {
      T.scope(() => p.mul(3).sum().backward()); // grad 3
      opt.stepUpdate();
      opt.zeroGrad();
    }
    // buf1 = 3 → p = 0.7; buf2 = 0.9·3 + 3 = 5.7 → p = 0.13
    assertClose(p.toArray(), [0.13], 1e-9);
  });
});

test("clipGradNorm scales gradients to the max norm and returns the norm before", () => {
  T.scope(() => {
    const a = T.tensor([0, 0], { dtype: "float64", requiresGrad: true });
    const b = T.tensor([0], { dtype: "float64", requiresGrad: true });
    T.scope(() =>
      a
        .mul(T.tensor([3, 0], { dtype: "float64" }))
        .sum()
        .add(b.mul(4).sum())
        .backward(),
    );
    const norm = T.clipGradNorm([a, b], 1);
    assertClose(norm, 5);
    assertClose(a.grad!.toArray(), [0.6, 0], 1e-5);
    assertClose(b.grad!.toArray(), [0.8], 1e-5);
  });
});

test("warm-up then cosine schedule", () => {
  const lr = T.warmupCosine({ peak: 1, warmupSteps: 4, totalSteps: 14, minRatio: 0.1 });
  assertClose([lr(0), lr(1), lr(3)], [0.25, 0.5, 1]);
  assertClose(lr(9), 0.1 + 0.45 * (1 + Math.cos(Math.PI / 2)));
  assertClose(lr(14), 0.1);
  assertClose(lr(100), 0.1);
});
