import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdamW, memory, noGrad, randn, scope, tensor } from "../../src/torch/index.js";
import {
  LoraAdapters,
  adapterConfigFile,
  loadCheckpoint,
  saveCheckpoint,
  type Llama,
} from "../../src/model/index.js";
import {
  runReferencePython,
  skipWithoutReferencePython,
  referencePython,
} from "../helpers/reference-python.js";
import { spawnSync } from "node:child_process";
import { native } from "../../src/torch/native.js";
import { tinyModel } from "./tiny.js";

const ids = [
  [3, 17, 22, 9, 31, 5, 13, 12],
  [20, 1, 33, 29, 6, 14, 38, 21],
];

function logits(model: Llama): number[] {
  return noGrad(() =>
    scope(() => model.logits(model.forward(tensor(ids, { dtype: "int64" }))).toFlatArray()),
  );
}

const maxGap = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/** Random A and B (B is zero at attachment, which would make every check trivial). */
function randomise(adapters: LoraAdapters): void {
  noGrad(() => {
    for (const p of adapters.parameters()) scope(() => void p.copy_(randn(p.shape).mul(0.3)));
  });
}

function withDir(fn: (dir: string) => void): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-lora-"));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("LoRA starts from the base model's outputs, freezes the base and trains only A and B", () => {
  const model = tinyModel();
  const before = logits(model);
  const tensorsBefore = memory().tensors;
  const adapters = LoraAdapters.attach(model, { r: 4, alpha: 8, targetModules: ["q_proj", "v_proj"] });
  assert.equal(maxGap(logits(model), before), 0, "B = 0: the same logits");
  assert.equal(adapters.parameters().length, 2 * 2 * 2, "A and B on q_proj and v_proj of 2 layers");
  assert.ok(model.parameters().every((p) => !p.requiresGrad));
  assert.deepEqual([...adapters.stateDict().keys()].slice(0, 2), [
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
  ]);
  assert.deepEqual(
    adapters.stateDict().get("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight")!.shape,
    [4, 32],
  );

  const optimizer = new AdamW(adapters.parameters(), { lr: 1e-2, weightDecay: 0 });
  const loss = () =>
    scope(() => {
      optimizer.zeroGrad();
      const input = tensor(ids, { dtype: "int64" });
      const l = model
        .logits(model.forward(input.narrow(1, 0, 7)))
        .logSoftmax(-1)
        .gather(2, input.narrow(1, 1, 7).unsqueeze(2))
        .mean()
        .neg();
      l.backward();
      optimizer.stepUpdate();
      return l.item();
    });
  const first = loss();
  for (let i = 0; i < 10; i++) loss();
  assert.ok(loss() < first, "the adapters learn");
  assert.ok(
    model.parameters().every((p) => p.grad === null),
    "no base weight got a gradient",
  );
  optimizer.dispose();
  adapters.dispose();
  assert.equal(maxGap(logits(model), before), 0, "detached: the base model is untouched");
  assert.ok(
    model.parameters().every((p) => p.requiresGrad),
    "and trainable again",
  );
  assert.equal(memory().tensors, tensorsBefore);
  model.dispose();
});

test("LoRA with gradient checkpointing gives A and B the same gradients", () => {
  const model = tinyModel();
  const adapters = LoraAdapters.attach(model);
  randomise(adapters);
  const grads = (on: boolean) => {
    model.gradientCheckpointing = on;
    native.zeroGrad(adapters.parameters().map((p) => p.handle));
    scope(() =>
      model
        .logits(model.forward(tensor(ids, { dtype: "int64" })))
        .square()
        .mean()
        .backward(),
    );
    return adapters.parameters().map((p) => scope(() => p.grad!.toFlatArray()));
  };
  const plain = grads(false);
  const checkpointed = grads(true);
  plain.forEach((g, i) => {
    const size = Math.max(...g.map(Math.abs));
    assert.ok(maxGap(checkpointed[i]!, g) <= 1e-6 * size, `adapter tensor ${i}`);
  });
  adapters.dispose();
  model.dispose();
});

test(
  "LoRA adapters saved in PEFT's layout load back to the same outputs; bad configs are refused by name",
  withDir((dir) => {
    const model = tinyModel();
    const adapters = LoraAdapters.attach(model, {
      r: 2,
      alpha: 5,
      targetModules: ["q_proj", "o_proj", "down_proj"],
    });
    randomise(adapters);
    const adapted = logits(model);
    adapters.save(join(dir, "adapter"));
    adapters.dispose();
    assert.ok(maxGap(logits(model), adapted) > 1e-3, "the adapter changes the outputs");
    const loaded = LoraAdapters.load(join(dir, "adapter"), model);
    assert.deepEqual(loaded.config, { r: 2, alpha: 5, targetModules: ["q_proj", "o_proj", "down_proj"] });
    assert.ok(maxGap(logits(model), adapted) <= 1e-6);
    loaded.dispose();

    const config = JSON.parse(readFileSync(join(dir, "adapter", adapterConfigFile), "utf8")) as Record<
      string,
      unknown
    >;
    const refused = (field: string, value: unknown, message: RegExp) => {
      writeFileSync(join(dir, "adapter", adapterConfigFile), JSON.stringify({ ...config, [field]: value }));
      assert.throws(() => LoraAdapters.load(join(dir, "adapter"), model), message);
      assert.ok(
        model.parameters().every((p) => p.requiresGrad),
        `${field}: a refused adapter leaves the model as it was`,
      );
    };
    refused("use_rslora", true, /adapter_config\.json: use_rslora true is not supported/);
    refused("use_dora", true, /use_dora/);
    refused(
      "target_modules",
      "q_proj|v_proj",
      /target_modules "q_proj\|v_proj" is not supported: give a list of layer names/,
    );
    refused(
      "target_modules",
      ["q_proj"],
      /adapter_model\.safetensors: the tensors do not match adapter_config\.json: unexpected 8 \(base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight/,
    );
    refused("target_modules", ["qkv"], /target_modules qkv name no linear layer/);
    refused("r", 3, /lora_A\.weight has shape \[2,32\], the model needs \[3,32\]/);
    refused("peft_type", "IA3", /peft_type "IA3"/);
    model.dispose();
  }),
);

const peftMissing = (): string | false => {
  const skip = skipWithoutReferencePython();
  if (skip) return skip;
  const probe = spawnSync(referencePython()!, ["-c", "import peft"]);
  return probe.status === 0 ? false : "the reference Python has no peft: run bash scripts/reference-python";
};

test(
  "linewise ⇄ PEFT: adapters either writes give the same logits in transformers + PEFT and in linewise",
  { skip: peftMissing() },
  withDir((dir) => {
    const model = tinyModel({ nKvHead: 2, tieWordEmbeddings: false });
    noGrad(() => {
      for (const [name, p] of model.namedParameters())
        scope(
          () =>
            void p.copy_(name.includes("norm") ? randn(p.shape).mul(0.2).add(1) : randn(p.shape).mul(0.2)),
        );
    });
    saveCheckpoint(join(dir, "base"), model);
    const baseLogits = logits(model);
    const adapters = LoraAdapters.attach(model, {
      r: 4,
      alpha: 12,
      targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"],
    });
    randomise(adapters);
    adapters.save(join(dir, "adapter"), join(dir, "base"));
    const ours = logits(model);
    const answer = JSON.parse(
      runReferencePython(
        "scripts/hf-reference/lora-outputs.py",
        [],
        JSON.stringify({ base: join(dir, "base"), adapter: join(dir, "adapter"), ids }),
      ),
    ) as { peft: string; outputs: number[] };
    const gap = maxGap(ours, answer.outputs);
    assert.ok(gap <= 1e-4, `max |Δ| ${gap.toExponential(2)} against PEFT ${answer.peft}`);
    assert.ok(maxGap(baseLogits, answer.outputs) > 1e-2, "the adapter matters");
    // And back: the same folder loaded by linewise onto the saved base.
    const base = loadCheckpoint(join(dir, "base"));
    const loaded = LoraAdapters.load(join(dir, "adapter"), base);
    assert.ok(maxGap(logits(base), answer.outputs) <= 1e-4);
    loaded.dispose();

    // PEFT → linewise: an adapter PEFT itself writes (save_pretrained, random A and B).
    const made = JSON.parse(
      runReferencePython(
        "scripts/hf-reference/lora-outputs.py",
        [],
        JSON.stringify({
          base: join(dir, "base"),
          adapter: join(dir, "peft"),
          ids,
          make: { r: 3, alpha: 7, targets: ["q_proj", "v_proj", "up_proj"] },
        }),
      ),
    ) as { outputs: number[] };
    const theirs = LoraAdapters.load(join(dir, "peft"), base);
    assert.deepEqual([theirs.config.r, theirs.config.alpha], [3, 7]);
    assert.deepEqual([...theirs.config.targetModules].sort(), ["q_proj", "up_proj", "v_proj"]); // PEFT keeps a set
    const peftGap = maxGap(logits(base), made.outputs);
    assert.ok(peftGap <= 1e-4, `PEFT's own adapter: max |Δ| ${peftGap.toExponential(2)}`);
    assert.ok(maxGap(baseLogits, made.outputs) > 1e-2, "PEFT's adapter matters");
    theirs.dispose();
    base.dispose();
    adapters.dispose();
    model.dispose();
  }),
);
