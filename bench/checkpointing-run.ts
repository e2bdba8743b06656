/**
 * One measurement of `bench -- grad-ckpt` (bench/checkpointing.ts), in a process of its own so that its
 * peak resident memory is its own: a Llama built from SHAPE_JSON takes STEPS training steps (forward, next-token
 * loss, backward, AdamW) on random tokens, with gradient checkpointing ON or off, and with LORA_R > 0 only
 * rank-r LoRA adapters on the attention projections trained (AdamW's moments for them only); prints one JSON line with
 * the resident memory before the first step (weights and AdamW's state), the peak over the steps, and wall
 * and CPU seconds per step after the first.
 *   node dist/bench/checkpointing-run.js on|off STEPS SHAPE_JSON [LORA_R]
 */
import { AdamW, F, manualSeed, randint, scope } from "../src/torch/index.js";
import { Llama, LoraAdapters, llamaConfig, loraDefaults } from "../src/model/index.js";

interface Shape {
  nLayer: number;
  dModel: number;
  nHead: number;
  vocabSize: number;
  batch: number;
  tokens: number;
}

const [mode, stepsArg, shapeJson, loraArg] = process.argv.slice(2) as [string, string, string, string?];
const shape = JSON.parse(shapeJson) as Shape;
const steps = Number(stepsArg);
manualSeed(0);
const { nLayer, dModel, nHead, vocabSize } = shape;
const model = new Llama(llamaConfig({ vocabSize, nLayer, dModel, nHead, maxPositions: shape.tokens }));
model.gradientCheckpointing = mode === "on";
const loraR = Number(loraArg ?? 0);
const adapters =
  loraR > 0 ? LoraAdapters.attach(model, { ...loraDefaults, r: loraR, alpha: 2 * loraR }) : null;
const optimizer = new AdamW(adapters?.parameters() ?? model.parameters(), { lr: 1e-4 });
const ids = randint(0, vocabSize, [shape.batch, shape.tokens + 1]).keep();
const rssBefore = process.memoryUsage().rss;
const wall: number[] = [];
const cpu: number[] = [];
for (let step = 0; step < steps; step++) {
  const began = performance.now();
  const cpuBegan = process.cpuUsage();
  scope(() => {
    optimizer.zeroGrad();
    const input = ids.narrow(1, 0, shape.tokens);
    const logits = model.logits(model.forward(input)); // (B, T, V)
    const loss = F.crossEntropy(logits.reshape(-1, vocabSize), ids.narrow(1, 1, shape.tokens).reshape(-1));
    loss.backward();
    optimizer.stepUpdate();
  });
  const used = process.cpuUsage(cpuBegan);
  if (step > 0) {
    wall.push((performance.now() - began) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  JSON.stringify({
    params: model.numParameters(),
    rssBeforeGiB: rssBefore / 2 ** 30,
    peakRssGiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 30,
    stepSeconds: mean(wall),
    stepCpuSeconds: mean(cpu),
  }),
);
