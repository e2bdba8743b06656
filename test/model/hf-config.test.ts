import { test } from "node:test";
import assert from "node:assert/strict";
import { fromHfConfig, llamaConfig, toHfConfig, type LlamaConfig } from "../../src/model/index.js";
import { llama31Scaling } from "./tiny.js";

const base = {
  model_type: "llama",
  vocab_size: 32,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
};
const read = (fields: Record<string, unknown>) => fromHfConfig({ ...base, ...fields }, "m/config.json");

test("rope_theta is read wherever transformers 4.x and 5.x write it", () => {
  assert.equal(read({}).ropeTheta, 10000);
  assert.equal(read({ rope_theta: 500000 }).ropeTheta, 500000); // 4.x: top level
  assert.equal(read({ rope_parameters: { rope_type: "default", rope_theta: 500000 } }).ropeTheta, 500000); // 5.x
  assert.equal(read({ rope_scaling: { rope_type: "default", rope_theta: 500000 } }).ropeTheta, 500000);
  assert.equal(read({ rope_theta: 500000, rope_parameters: { rope_theta: 500000 } }).ropeTheta, 500000);
  assert.throws(
    () => read({ rope_theta: 10000, rope_parameters: { rope_type: "default", rope_theta: 500000 } }),
    /^Error: m\/config\.json: "rope_theta": 10000 differs from rope_parameters\.rope_theta 500000/,
  );
});

test("rope scaling: linear, dynamic and llama3 are read in both layouts; every other type is refused by name", () => {
  assert.deepEqual(read({ rope_scaling: { type: "linear", factor: 4 } }).ropeScaling, {
    type: "linear",
    factor: 4,
  });
  assert.deepEqual(
    read({ rope_parameters: { rope_type: "dynamic", factor: 2, rope_theta: 1e4 } }).ropeScaling,
    {
      type: "dynamic",
      factor: 2,
    },
  );
  const llama3 = { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 };
  assert.deepEqual(read({ max_position_embeddings: 4096, rope_scaling: llama3 }).ropeScaling, {
    type: "llama3",
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 4096,
  });
  assert.equal(
    read({ rope_parameters: { ...llama3, original_max_position_embeddings: 8192 } }).ropeScaling!.type,
    "llama3",
  );
  for (const [fields, message] of [
    [{ rope_scaling: { type: "yarn", factor: 4 } }, /"rope_scaling\.type": "yarn" is not supported/],
    [
      { rope_parameters: { rope_type: "longrope" } },
      /"rope_parameters\.rope_type": "longrope" is not supported/,
    ],
    [{ rope_scaling: { type: "linear" } }, /"rope_scaling\.factor": must be a number/],
    [{ rope_scaling: { rope_type: "llama3", factor: 8 } }, /"rope_scaling\.low_freq_factor"/],
    [{ partial_rotary_factor: 0.5 }, /"partial_rotary_factor": 0\.5 is not supported/],
    [
      { rope_parameters: { rope_type: "default", partial_rotary_factor: 0.5 } },
      /"rope_parameters\.partial_rotary_factor"/,
    ],
    [
      { rope_scaling: { type: "linear", factor: 2 }, rope_parameters: { rope_type: "default" } },
      /"rope_scaling": differs/,
    ],
  ] as const) {
    assert.throws(() => read(fields), message);
  }
});

test("fields that change the computation are implemented or refused in one line naming the field", () => {
  for (const [fields, message] of [
    [
      { hidden_act: "gelu" },
      /^Error: m\/config\.json: "hidden_act": "gelu" is not supported \(supported: silu\)$/,
    ],
    [{ attention_dropout: 0.1 }, /"attention_dropout": 0\.1 is not supported/],
    [{ model_type: "gemma" }, /"model_type": "gemma" is not supported \(supported: llama, qwen2, mistral\)/],
    [{ architectures: ["Qwen2ForCausalLM"] }, /"architectures".*not supported for model_type "llama"/],
    [{ architectures: ["LlamaForSequenceClassification"] }, /"id2label": 2 labels; a scalar head/],
    [{ quantization_config: { quant_method: "gptq" } }, /"quantization_config": quantized weights/],
    [{ auto_map: { AutoModelForCausalLM: "x.Y" } }, /"auto_map": custom modeling code/],
    [{ attention_bias: "yes" }, /"attention_bias": must be true or false/],
    [{ hidden_size: 18 }, /"hidden_size": 18 is not divisible/],
  ] as const) {
    assert.throws(() => read(fields), message);
    assert.doesNotMatch(
      String(
        (() => {
          try {
            read(fields);
          } catch (e) {
            return e;
          }
        })(),
      ),
      /\n/,
    );
  }
  // Fields transformers' Llama does not read change nothing, there or here.
  assert.equal(read({ pretraining_tp: 2, sliding_window: 4 }).slidingWindow, null);
  const biased = read({ attention_bias: true, mlp_bias: true, head_dim: 8 });
  assert.deepEqual(
    [biased.qkvBias, biased.outputBias, biased.mlpBias, biased.headDim],
    [true, true, true, 8],
  );
});

test("each family's absent fields take transformers' defaults", () => {
  const llama = read({});
  assert.deepEqual([llama.nKvHead, llama.maxPositions, llama.bosTokenId, llama.eosTokenId], [4, 2048, 1, 2]);
  const qwen = read({ model_type: "qwen2", num_hidden_layers: 4, hidden_size: 64, num_attention_heads: 32 });
  assert.deepEqual(
    [
      qwen.family,
      qwen.nKvHead,
      qwen.maxPositions,
      qwen.qkvBias,
      qwen.outputBias,
      qwen.slidingWindow,
      qwen.eosTokenId,
    ],
    ["qwen2", 32, 32768, true, false, null, null],
  );
  // Qwen2's window applies only with use_sliding_window, from max_window_layers on (or where layer_types says).
  assert.deepEqual(
    read({
      model_type: "qwen2",
      num_key_value_heads: 2,
      num_hidden_layers: 4,
      use_sliding_window: true,
      sliding_window: 8,
      max_window_layers: 3,
    }).slidingWindow,
    { size: 8, layers: [3] },
  );
  assert.deepEqual(
    read({
      model_type: "qwen2",
      num_key_value_heads: 2,
      use_sliding_window: true,
      sliding_window: 8,
      layer_types: ["sliding_attention", "full_attention"],
    }).slidingWindow,
    { size: 8, layers: [0] },
  );
  assert.throws(
    () =>
      read({
        model_type: "qwen2",
        num_key_value_heads: 2,
        use_sliding_window: true,
        layer_types: ["full_attention"],
      }),
    /"layer_types": has 1 entries for 2 layers/,
  );
  const mistral = read({ model_type: "mistral", num_attention_heads: 8, hidden_size: 32 });
  assert.deepEqual([mistral.nKvHead, mistral.slidingWindow], [8, { size: 4096, layers: [0, 1] }]);
  assert.equal(
    read({ model_type: "mistral", num_key_value_heads: 2, sliding_window: null }).slidingWindow,
    null,
  );
  assert.equal(
    read({
      model_type: "mistral",
      num_key_value_heads: 2,
      architectures: ["MistralForTokenClassification"],
      num_labels: 1,
    }).scoreBias,
    true,
  );
});

test("toHfConfig → fromHfConfig gives the same config for every family and head", () => {
  const tiny = {
    vocabSize: 32,
    dModel: 16,
    nLayer: 3,
    nHead: 4,
    nKvHead: 2,
    padTokenId: 0,
    eosTokenId: [1, 2],
  };
  const configs: LlamaConfig[] = [
    llamaConfig({
      ...tiny,
      ropeTheta: 500000,
      ropeScaling: llama31Scaling,
    }),
    llamaConfig({
      ...tiny,
      qkvBias: true,
      outputBias: true,
      mlpBias: true,
      headDim: 8,
      tieWordEmbeddings: true,
    }),
    llamaConfig({ ...tiny, ropeScaling: { type: "dynamic", factor: 2 }, head: "scalar" }),
    llamaConfig({
      ...tiny,
      family: "qwen2",
      qkvBias: true,
      slidingWindow: { size: 4, layers: [1, 2] },
      head: "scalar",
      scoreBias: true,
    }),
    llamaConfig({ ...tiny, family: "mistral", slidingWindow: { size: 4, layers: [0, 1, 2] } }),
    llamaConfig({ ...tiny, family: "mistral", ropeScaling: { type: "linear", factor: 4 } }),
  ];
  for (const config of configs) {
    const json = JSON.parse(JSON.stringify(toHfConfig(config)));
    assert.deepEqual(fromHfConfig(json, "x"), config, JSON.stringify(json));
  }
  assert.throws(
    () => toHfConfig(llamaConfig({ ...tiny, family: "mistral", qkvBias: true })),
    /mistral cannot express these biases/,
  );
});
