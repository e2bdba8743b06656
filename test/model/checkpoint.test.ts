import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noGrad, saveSafetensors, scope, tensor, type Tensor } from "../../src/torch/index.js";
import {
  loadCheckpoint,
  readCheckpointConfig,
  saveCheckpoint,
  withHead,
  type Llama,
} from "../../src/model/index.js";
import { tinyModel } from "./tiny.js";

const ids = () =>
  tensor(
    [
      [1, 5, 9, 2, 7, 3],
      [4, 4, 8, 0, 6, 2],
    ],
    { dtype: "int64" },
  );

function outputs(model: Llama): number[] {
  return noGrad(() =>
    scope(() => {
      const hidden = model.forward(ids());
      return (model.head === "lm" ? model.logits(hidden) : model.values(hidden)).toFlatArray();
    }),
  );
}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "linewise-ckpt-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The JSON header of a safetensors file, checked byte by byte against the format. */
function safetensorsHeader(
  path: string,
): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  assert.equal(length % 8, 0, "header padded to 8 bytes");
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString("utf8"));
  let end = 0;
  for (const [name, entry] of Object.entries(header) as [
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] },
  ][]) {
    if (name === "__metadata__") continue;
    const [begin, stop] = entry.data_offsets;
    assert.equal(stop - begin, entry.shape.reduce((a, b) => a * b, 1) * 4, `${name}: F32 byte count`);
    end = Math.max(end, stop);
  }
  assert.equal(8 + length + end, bytes.length, "data section ends the file");
  return header;
}

test("save → load rebuilds the model with identical logits", () => {
  const model = tinyModel({ bosTokenId: 1, eosTokenId: 2, padTokenId: 0 });
  withDir((dir) => {
    saveCheckpoint(dir, model);
    const loaded = loadCheckpoint(dir);
    assert.deepEqual(loaded.config, model.config);
    assert.deepEqual(outputs(loaded), outputs(model));
    loaded.dispose();
  });
  model.dispose();
});

test("a checkpoint has a valid safetensors header with Hugging Face names and a LlamaConfig config.json", () => {
  const model = tinyModel({ eosTokenId: 2 });
  withDir((dir) => {
    saveCheckpoint(dir, model);
    const header = safetensorsHeader(join(dir, "model.safetensors"));
    assert.deepEqual(header.__metadata__, { format: "pt" });
    assert.deepEqual(header["model.layers.0.self_attn.q_proj.weight"]!.shape, [32, 32]);
    assert.deepEqual(header["model.layers.1.mlp.down_proj.weight"]!.dtype, "F32");
    assert.ok(
      "model.embed_tokens.weight" in header && "model.norm.weight" in header && "lm_head.weight" in header,
    );
    assert.equal(Object.keys(header).length - 1, model.namedParameters().length);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.equal(config.model_type, "llama");
    assert.deepEqual(config.architectures, ["LlamaForCausalLM"]);
    assert.equal(config.hidden_size, 32);
    assert.equal(config.num_hidden_layers, 2);
    assert.equal(config.num_attention_heads, 4);
    assert.equal(config.num_key_value_heads, 2);
    assert.equal(config.rope_theta, 10000);
    assert.equal(config.eos_token_id, 2);
  });
  model.dispose();
});

test("tied embeddings: no lm_head.weight is written, and logits survive the round trip", () => {
  const model = tinyModel({ tieWordEmbeddings: true });
  withDir((dir) => {
    saveCheckpoint(dir, model);
    assert.ok(!("lm_head.weight" in safetensorsHeader(join(dir, "model.safetensors"))));
    const loaded = loadCheckpoint(dir);
    assert.deepEqual(outputs(loaded), outputs(model));
    loaded.dispose();
  });
  model.dispose();
});

test("a scalar-head checkpoint round-trips as LlamaForSequenceClassification with score.weight (1, hidden)", () => {
  const prm = tinyModel({ head: "scalar" });
  withDir((dir) => {
    saveCheckpoint(dir, prm);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.deepEqual(config.architectures, ["LlamaForSequenceClassification"]);
    assert.deepEqual(safetensorsHeader(join(dir, "model.safetensors"))["score.weight"]!.shape, [1, 32]);
    const loaded = loadCheckpoint(dir);
    assert.equal(loaded.head, "scalar");
    assert.deepEqual(outputs(loaded), outputs(prm));
    loaded.dispose();
  });
  prm.dispose();
});

test("a value model starts from a policy or a PRM checkpoint: backbone copied, head fresh or copied", () => {
  const policy = tinyModel();
  const prm = tinyModel({ head: "scalar" }, 7);
  withDir((dir) => {
    saveCheckpoint(join(dir, "policy"), policy);
    saveCheckpoint(join(dir, "prm"), prm);
    const fromPolicy = loadCheckpoint(join(dir, "policy"), { head: "scalar" });
    const fromPrm = loadCheckpoint(join(dir, "prm"), { head: "scalar" });
    const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toFlatArray(), b.toFlatArray());
    same(fromPolicy.model.norm.weight, policy.model.norm.weight);
    same(fromPolicy.model.layers.at(1).mlp.upProj.weight, policy.model.layers.at(1).mlp.upProj.weight);
    assert.deepEqual(fromPolicy.scoreHead!.weight.shape, [1, 32]);
    assert.deepEqual(outputs(fromPrm), outputs(prm));
    // A policy from a PRM: backbone kept, LM head fresh.
    const backToPolicy = loadCheckpoint(join(dir, "prm"), { head: "lm" });
    same(backToPolicy.model.embedTokens.weight, prm.model.embedTokens.weight);
    for (const m of [fromPolicy, fromPrm, backToPolicy]) m.dispose();
  });
  // In memory: an independent copy, so training the value model leaves the PRM alone.
  const value = withHead(prm, "scalar");
  assert.deepEqual(outputs(value), outputs(prm));
  noGrad(() => value.model.norm.weight.fill_(3));
  assert.notDeepEqual(outputs(value), outputs(prm));
  value.dispose();
  policy.dispose();
  prm.dispose();
});

test("a Hugging Face-style checkpoint loads: bfloat16 shards with an index, a list of end tokens, a spare tied lm_head", () => {
  const model = tinyModel({ tieWordEmbeddings: true });
  withDir((dir) => {
    saveCheckpoint(dir, model);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ ...config, eos_token_id: [2, 3], torch_dtype: "bfloat16", head_dim: undefined }),
    );
    rmSync(join(dir, "model.safetensors"));
    // Weights rounded to bfloat16, split over two shards; the tied lm_head is written as well, as some exporters do.
    const state = [...model.stateDict(), ["lm_head.weight", model.model.embedTokens.weight] as const];
    const halves = [state.slice(0, 10), state.slice(10)];
    const weightMap: Record<string, string> = {};
    halves.forEach((half, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      scope(() => saveSafetensors(join(dir, file), new Map(half.map(([n, t]) => [n, t.to("bfloat16")]))));
      for (const [n] of half) weightMap[n] = file;
    });
    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );

    const loaded = loadCheckpoint(dir);
    assert.deepEqual(loaded.config.eosTokenId, [2, 3]);
    noGrad(() => {
      for (const [, t] of model.stateDict()) scope(() => void t.copy_(t.to("bfloat16")));
    });
    assert.deepEqual(outputs(loaded), outputs(model));
    loaded.dispose();
  });
  model.dispose();
});

test("missing or unsupported checkpoints fail with one line naming the file", () => {
  withDir((dir) => {
    assert.throws(() => loadCheckpoint(dir), /no config\.json/);
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        model_type: "llama",
        vocab_size: 10,
        hidden_size: 8,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        rope_scaling: { type: "yarn" },
      }),
    );
    assert.throws(
      () => readCheckpointConfig(dir),
      /config\.json: "rope_scaling\.type": "yarn" is not supported/,
    );
    writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "gpt2" }));
    assert.throws(() => readCheckpointConfig(dir), /"model_type": "gpt2" is not supported/);
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        model_type: "llama",
        vocab_size: 10,
        hidden_size: 8,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
      }),
    );
    assert.throws(() => loadCheckpoint(dir), /no model\.safetensors/);
  });
});

test("weights that do not fit the config fail in one line naming the file and the tensor", () => {
  const model = tinyModel();
  withDir((dir) => {
    saveCheckpoint(dir, model);
    const file = join(dir, "model.safetensors");
    const state = model.stateDict();
    const rewrite = (edit: (m: Map<string, Tensor>) => void) =>
      scope(() => {
        const copy = new Map(state);
        edit(copy);
        saveSafetensors(file, copy);
      });
    const fails = (pattern: RegExp) => {
      assert.throws(
        () => loadCheckpoint(dir),
        (e: Error) => pattern.test(e.message) && !e.message.includes("\n"),
      );
    };
    const gate = "model.layers.0.mlp.gate_proj.weight";
    rewrite((m) => m.set(gate, state.get(gate)!.narrow(0, 0, 10)));
    fails(
      /model\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[10,32\] but config\.json implies \[\d+,32\]/,
    );
    rewrite((m) => m.set(gate, state.get(gate)!.to("int32")));
    fails(
      /model\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight has dtype int32; expected float32, bfloat16 or float16/,
    );
    rewrite((m) => m.delete(gate));
    fails(/tensor model\.layers\.0\.mlp\.gate_proj\.weight is missing from the weights/);
    rewrite((m) => m.set("model.layers.2.mlp.gate_proj.weight", state.get(gate)!));
    fails(
      /model\.safetensors: tensor model\.layers\.2\.mlp\.gate_proj\.weight is not part of a llama causal LM model with 2 layers/,
    );
    // Older exporters saved rotary tables; they are derived from the config and skipped, as transformers does.
    rewrite((m) => m.set("model.layers.0.self_attn.rotary_emb.inv_freq", state.get("model.norm.weight")!));
    loadCheckpoint(dir).dispose();

    rmSync(file);
    writeFileSync(join(dir, "pytorch_model.bin"), "");
    fails(/pytorch_model\.bin: PyTorch pickle weights are not read; convert them to safetensors/);
    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { [gate]: "model-00001-of-00002.safetensors" } }),
    );
    fails(
      /model\.safetensors\.index\.json: shard model-00001-of-00002\.safetensors \(holding model\.layers\.0\.mlp\.gate_proj\.weight\) is missing/,
    );
    scope(() =>
      saveSafetensors(
        join(dir, "model-00001-of-00002.safetensors"),
        new Map([["model.norm.weight", state.get("model.norm.weight")!]]),
      ),
    );
    fails(
      /model-00001-of-00002\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight listed in .* is not in this shard/,
    );
  });
  model.dispose();
});

test("float16 weights load as float32 copies of the half-precision values", () => {
  const model = tinyModel();
  withDir((dir) => {
    saveCheckpoint(dir, model);
    scope(() =>
      saveSafetensors(
        join(dir, "model.safetensors"),
        new Map([...model.stateDict()].map(([n, t]) => [n, t.to("float16")])),
      ),
    );
    const loaded = loadCheckpoint(dir);
    assert.equal(loaded.model.norm.weight.dtype, "float32");
    noGrad(() => {
      for (const [, t] of model.stateDict()) scope(() => void t.copy_(t.to("float16")));
    });
    assert.deepEqual(outputs(loaded), outputs(model));
    loaded.dispose();
  });
  model.dispose();
});
