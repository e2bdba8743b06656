/**
 * The generation benchmark (issue 4): sampling tokens/s of a 4-layer, width-256 Llama-style model with the
 * KV cache against recomputing the whole prefix at every step — same model, same prompts, same sampling
 * settings, same run — at 256 new tokens for a batch of 32 prompts of mixed lengths. Target ratio ≥ 5.
 */
import { manualSeed, numThreads } from "../src/torch/index.js";
import { Llama, generate, llamaConfig, type GenerationRequest } from "../src/model/index.js";

const config = llamaConfig({ vocabSize: 2048, dModel: 256, nLayer: 4, nHead: 4, maxPositions: 512 });
const batch = 32;

/**
 * Runs both decoders on the same batch; returns tokens/s of each and their ratio. `newTokens` (default 256,
 * the setting) can be lowered where recomputation would take too long; the ratio grows with it.
 */
export async function benchGenerate(options: { newTokens?: number } = {}): Promise<Record<string, unknown>> {
  const newTokens = options.newTokens ?? 256;
  const started = performance.now();
  manualSeed(0);
  const model = new Llama(config).eval();
  // Prompts of 16–63 tokens: left padding and the attention mask are exercised as in real batches.
  let state = 12345;
  const next = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
  const requests: GenerationRequest[] = Array.from({ length: batch }, () => ({
    prompt: Array.from({ length: 16 + next(48) }, () => 3 + next(config.vocabSize - 3)),
    maxNewTokens: newTokens,
    temperature: 0.8,
    topP: 0.95,
  }));
  // No end tokens, so every row produces exactly `newTokens` in both runs.
  const run = (kvCache: boolean) => {
    const start = performance.now();
    const samples = generate(model, requests, { seed: 1, endTokens: [], maxBatch: batch, kvCache });
    const seconds = (performance.now() - start) / 1000;
    const tokens = samples.flat().reduce((n, s) => n + s.tokens.length, 0);
    return { seconds, tokens, tokensPerSecond: tokens / seconds };
  };
  generate(
    model,
    requests.slice(0, 2).map((r) => ({ ...r, maxNewTokens: 4 })),
    { endTokens: [] },
  ); // warm-up
  const cached = run(true);
  log(
    `kv cache:  ${cached.tokens} tokens in ${cached.seconds.toFixed(2)} s = ${cached.tokensPerSecond.toFixed(0)} tokens/s`,
  );
  const recomputed = run(false);
  log(
    `recompute: ${recomputed.tokens} tokens in ${recomputed.seconds.toFixed(2)} s = ${recomputed.tokensPerSecond.toFixed(0)} tokens/s`,
  );
  const ratio = cached.tokensPerSecond / recomputed.tokensPerSecond;
  log(`ratio ${ratio.toFixed(1)} (target ≥ 5)`);
  model.dispose();
  return {
    model: { nLayer: config.nLayer, dModel: config.dModel, nHead: config.nHead, vocabSize: config.vocabSize },
    batch,
    newTokens,
    threads: numThreads(),
    cachedTokensPerSecond: Math.round(cached.tokensPerSecond),
    recomputeTokensPerSecond: Math.round(recomputed.tokensPerSecond),
    ratio: Number(ratio.toFixed(2)),
    targetRatio: 5,
    seconds: Math.round((performance.now() - started) / 1000),
  };
}

function log(line: string): void {
  process.stderr.write(`generate: ${line}\n`);
}
