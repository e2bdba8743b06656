/**
 * The SFT benchmark (issue 4): training tokens/s of the default SFT config (src/train/sft.ts) on the
 * built-in suite's problems, with padding-aware batching — each batch padded to its longest example —
 * against the same training with every batch padded to maxLength, as a fixed-shape trainer (Hugging
 * Face's padding="max_length") does. Same data, model, seed and steps, alternating in the same run.
 * Tokens are the examples' real tokens (padding not counted), per second of optimiser steps.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numThreads } from "../src/torch/index.js";
import { Tokenizer } from "../src/model/tokenizer/index.js";
import { candidates, suiteDefaults } from "../src/problems/suite/index.js";
import { sftDefaults, sftTokens, trainSft, type SftConfig, type SftExample } from "../src/train/sft.js";

export interface SftBenchOptions {
  /** Suite problems to train on (default 512). */
  examples?: number;
  /** Optimiser steps per measurement (default 12). */
  steps?: number;
  /** Alternations of the two paddings (default 2). */
  rounds?: number;
}

/** Trains both ways, alternating; returns tokens/s of each and their ratio. */
export async function benchSft(options: SftBenchOptions = {}): Promise<Record<string, unknown>> {
  const { examples = 512, steps = 12, rounds = 2 } = options;
  const data: SftExample[] = [];
  for (const c of candidates({
    seed: 1,
    split: "train",
    maxSteps: suiteDefaults.maxSteps,
    argsPerProblem: 1,
  })) {
    data.push({ prompt: c.prompt, completion: c.response });
    if (data.length === examples) break;
  }
  // The tokenizer trainSft trains on these examples (nothing is held out), for the length statistics.
  const tokenizer = Tokenizer.train(
    data.map((e) => e.prompt + e.completion),
    { vocabSize: sftDefaults.vocabSize },
  );
  const lengths = data.map((e) => sftTokens(tokenizer, e).ids.length);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  log(
    `${data.length} suite problems, ${meanLength.toFixed(0)} tokens on average (longest ${Math.max(...lengths)}, maxLength ${sftDefaults.maxLength})`,
  );

  const config: SftConfig = {
    ...sftDefaults,
    steps,
    evalFraction: 0,
    checkpointEvery: steps,
    logEvery: steps,
  };
  const measure = async (padToLongest: boolean): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-bench-sft-"));
    try {
      return (await trainSft({ ...config, padToLongest }, data, dir, { quiet: true })).tokensPerSecond;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const longest: number[] = [];
  const fixed: number[] = [];
  for (let round = 0; round < rounds; round++) {
    longest.push(await measure(true));
    fixed.push(await measure(false));
    log(
      `round ${round + 1}: padded to the batch's longest ${longest.at(-1)!.toFixed(0)} tokens/s, to maxLength ${fixed.at(-1)!.toFixed(0)} tokens/s`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = mean(longest) / mean(fixed);
  log(`padding-aware batching: ${ratio.toFixed(2)}× the tokens/s of fixed-length batches`);
  return {
    bench: "sft",
    model: sftDefaults.model,
    batchSize: sftDefaults.batchSize,
    maxLength: sftDefaults.maxLength,
    meanExampleTokens: Math.round(meanLength),
    steps,
    rounds,
    threads: numThreads(),
    tokensPerSecond: Math.round(mean(longest)),
    fixedLengthTokensPerSecond: Math.round(mean(fixed)),
    ratio: Number(ratio.toFixed(2)),
  };
}

function log(line: string): void {
  process.stderr.write(`sft: ${line}\n`);
}
