import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, checkResumedConfig, resolveConfig } from "../../src/runs/index.js";

const defaults = { steps: 10, lr: 0.001, init: null as string | null, tied: false, betas: [0.9, 0.95] as [number, number], model: { nLayer: 4, dModel: 128 } };

test("JSON fields are laid over the defaults, nested objects field by field", () => {
  const c = resolveConfig(defaults, { steps: 20, init: "ckpt", betas: [0.8, 0.9], model: { dModel: 64 } }, "c.json");
  assert.deepEqual(c, { steps: 20, lr: 0.001, init: "ckpt", tied: false, betas: [0.8, 0.9], model: { nLayer: 4, dModel: 64 } });
  assert.deepEqual(defaults.model, { nLayer: 4, dModel: 128 }, "the defaults are not changed");
});

test("unknown fields and wrong types are one-line errors naming the file and the field", () => {
  const fails = (json: unknown, pattern: RegExp) => assert.throws(() => resolveConfig(defaults, json, "c.json"), (e: Error) => e instanceof ConfigError && pattern.test(e.message));
  fails({ stpes: 3 }, /^c\.json: unknown field "stpes"/);
  fails({ model: { dmodel: 3 } }, /^c\.json: unknown field "model\.dmodel"/);
  fails({ steps: "3" }, /field "steps" must be a number, got "3"/);
  fails({ init: 3 }, /field "init" must be a string or null/);
  fails({ betas: [0.9] }, /field "betas" must be a list of 2 numbers/);
  fails({ model: 3 }, /field "model" must be a JSON object/);
  fails([1], /the config must be a JSON object/);
});

test("a resume refuses a changed field; a field the run's config.json predates matches only when off", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-resume-config-"));
  try {
    writeFileSync(join(dir, "config.json"), JSON.stringify({ steps: 10, lr: 0.1 }));
    checkResumedConfig(dir, { steps: 20, lr: 0.1 }, "steps");
    checkResumedConfig(dir, { steps: 10, lr: 0.1, chatTemplate: null }, "steps");
    assert.throws(
      () => checkResumedConfig(dir, { steps: 10, lr: 0.2 }, "steps"),
      (e: Error) => e instanceof ConfigError && /differs from the run's config.json in lr;/.test(e.message),
    );
    assert.throws(
      () => checkResumedConfig(dir, { steps: 10, lr: 0.1, chatTemplate: "auto" }, "steps"),
      /in chatTemplate;/,
    );
    const lora = { r: 0, alpha: 16, targetModules: ["q_proj"] };
    checkResumedConfig(dir, { steps: 10, lr: 0.1, lora }, "steps"); // full fine-tuning, as before `lora`
    assert.throws(() => checkResumedConfig(dir, { steps: 10, lr: 0.1, lora: { ...lora, r: 8 } }, "steps"), /in lora;/);
    checkResumedConfig(dir, { steps: 10, lr: 0.1, precision: "bfloat16" }, "steps"); // may change on resume
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
