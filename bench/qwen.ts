/**
 * The size benchmark (issue 17, "bf16 and size"): a Qwen2.5-0.5B-shaped model with random weights (24 layers,
 * width 896, GQA 14/2, vocabulary 151,936, tied embeddings, q/k/v biases) is saved as bfloat16 safetensors,
 * loaded back (widened to float32), generates greedily with the KV cache, and takes one PRM step (scalar head,
 * MSE, AdamW) on a batch of two 128-token sequences. Prints the time of each stage and the peak resident
 * memory, against the model's own float32 parameter bytes (the baseline: the ratio says how many copies of the
 * weights a PRM step holds — weights, gradients and AdamW's two moments make four).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdamW,
  F,
  manualSeed,
  numThreads,
  randn,
  saveSafetensors,
  scope,
  tensor,
} from "../src/torch/index.js";
import { Llama, generate, llamaConfig, loadCheckpoint, toHfConfig } from "../src/model/index.js";

/** Qwen2.5-0.5B's config.json, in our names. */
const config = llamaConfig({
  family: "qwen2",
  vocabSize: 151936,
  dModel: 896,
  nLayer: 24,
  nHead: 14,
  nKvHead: 2,
  intermediateSize: 4864,
  maxPositions: 32768,
  ropeTheta: 1000000,
  rmsNormEps: 1e-6,
  qkvBias: true,
  tieWordEmbeddings: true,
});

export async function benchQwen(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "linewise-qwen-"));
  const seconds = (from: number) => Number(((performance.now() - from) / 1000).toFixed(1));
  try {
    // 1. a random model, written as bfloat16 safetensors (how Qwen2.5 ships).
    let t = performance.now();
    manualSeed(0);
    const written = new Llama(config).eval();
    const parameters = written.numParameters();
    writeFileSync(join(dir, "config.json"), JSON.stringify(toHfConfig(config), null, 2));
    scope(() =>
      saveSafetensors(
        join(dir, "model.safetensors"),
        new Map([...written.stateDict()].map(([n, w]) => [n, w.to("bfloat16")])),
        { format: "pt" },
      ),
    );
    written.dispose();
    const buildSeconds = seconds(t);
    log(`${(parameters / 1e6).toFixed(0)}M parameters built and saved as bfloat16 in ${buildSeconds} s`);

    // 2. load and generate.
    t = performance.now();
    const policy = loadCheckpoint(dir).eval();
    const loadSeconds = seconds(t);
    log(`loaded in ${loadSeconds} s`);
    const newTokens = 16;
    const prompt = Array.from({ length: 32 }, (_, i) => 100 + ((i * 7919) % 150000));
    t = performance.now();
    const [sample] = generate(policy, [{ prompt, maxNewTokens: newTokens }], { endTokens: [] })[0]!;
    const generateSeconds = seconds(t);
    log(`generated ${sample!.tokens.length} tokens after a 32-token prompt in ${generateSeconds} s`);
    policy.dispose();

    // 3. one PRM step: the backbone with a scalar head, MSE against ±1 labels at every position, AdamW.
    t = performance.now();
    const prm = loadCheckpoint(dir, { head: "scalar" }).train();
    const optimizer = new AdamW(prm.parameters(), { lr: 1e-5, weightDecay: 0 });
    const stepStart = performance.now();
    const loss = scope(() => {
      const ids = tensor(
        Array.from({ length: 2 }, (_, r) =>
          Array.from({ length: 128 }, (_, i) => 100 + ((i * 31 + r * 977) % 150000)),
        ),
        { dtype: "int64" },
      );
      const labels = randn([2, 128]).gt(0).float().mul(2).sub(1);
      const mse = F.mseLoss(prm.values(prm.forward(ids)), labels);
      optimizer.zeroGrad();
      mse.backward();
      optimizer.stepUpdate();
      return mse.item();
    });
    const prmStepSeconds = seconds(stepStart);
    log(
      `one PRM step (2 × 128 tokens, loss ${loss.toFixed(3)}) in ${prmStepSeconds} s (load ${seconds(t) - prmStepSeconds} s)`,
    );
    optimizer.dispose();
    prm.dispose();

    const peakBytes = process.resourceUsage().maxRSS * 1024;
    const parameterBytes = parameters * 4;
    const ratio = peakBytes / parameterBytes;
    log(
      `peak resident memory ${(peakBytes / 2 ** 30).toFixed(2)} GiB = ${ratio.toFixed(2)} × the float32 weights`,
    );
    return {
      model: {
        family: "qwen2",
        nLayer: 24,
        dModel: 896,
        nHead: 14,
        nKvHead: 2,
        vocabSize: 151936,
        parameters,
      },
      threads: numThreads(),
      buildSeconds,
      loadSeconds,
      generateSeconds,
      newTokens,
      prmStepSeconds,
      peakGiB: Number((peakBytes / 2 ** 30).toFixed(2)),
      peakOverWeights: Number(ratio.toFixed(2)),
      seconds: seconds(started),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function log(line: string): void {
  process.stderr.write(`qwen-0.5b: ${line}\n`);
}
