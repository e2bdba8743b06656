/**
 * The size benchmark (issue 17, "bf16 and size"): a Qwen2.5-0.5B-shaped model with random weights (24 layers,
 * width 896, GQA 14/2, vocabulary 151,936, tied embeddings, q/k/v biases) is saved as bfloat16 safetensors
 * with a byte-level BPE tokenizer of the same vocabulary size, then each measurement runs in a process of
 * its own (bench/qwen-run.ts), in float32 and in bfloat16 with float32 master weights: load and 16 greedy
 * tokens; two PRM steps (2 × 128 tokens, MSE, AdamW); one GRPO iteration (8 rollouts, sandboxed tests,
 * gradient checkpointing). Prints each figure with its peak resident memory, against the model's own
 * float32 parameter bytes, and the bf16 / float32 ratios of the same run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualSeed, numThreads, saveSafetensors, scope } from "../src/torch/index.js";
import { Llama, llamaConfig, toHfConfig } from "../src/model/index.js";
import { Tokenizer } from "../src/model/tokenizer/index.js";
import { byteToChar } from "../src/model/tokenizer/bytes.js";

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
    // 1. a random model, written as bfloat16 safetensors (how Qwen2.5 ships), with a tokenizer of its size.
    const t = performance.now();
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
    fullSizeTokenizer(config.vocabSize).save(join(dir, "tokenizer.json"));
    const buildSeconds = seconds(t);
    log(`${(parameters / 1e6).toFixed(0)}M parameters built and saved as bfloat16 in ${buildSeconds} s`);
    const weightsGiB = (parameters * 4) / 2 ** 30;

    // 2. each measurement in both precisions, each in a fresh process.
    const runs: Record<string, Record<string, number>> = {};
    for (const task of ["generate", "prm", "grpo"])
      for (const precision of ["float32", "bfloat16"]) {
        const figures = measure(dir, task, precision);
        runs[`${task}-${precision}`] = figures;
        log(
          `${task} in ${precision}: ${Object.entries(figures)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")} (${(figures.peakGiB! / weightsGiB).toFixed(2)} × the float32 weights)`,
        );
      }
    const ratio = (task: string, key: string) =>
      Number((runs[`${task}-bfloat16`]![key]! / runs[`${task}-float32`]![key]!).toFixed(2));
    const ratios = {
      generateTime: ratio("generate", "generateSeconds"),
      prmStepTime: ratio("prm", "prmStepSeconds"),
      prmSecondStepTime: ratio("prm", "prmSecondStepSeconds"),
      prmPeakMemory: ratio("prm", "peakGiB"),
      grpoIterationTime: ratio("grpo", "iterationSeconds"),
      grpoPeakMemory: ratio("grpo", "peakGiB"),
    };
    log(`bfloat16 / float32: ${JSON.stringify(ratios)}`);
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
      weightsGiB: Number(weightsGiB.toFixed(2)),
      runs,
      bf16OverFloat32: ratios,
      seconds: seconds(started),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One bench/qwen-run.ts process's figures. */
function measure(dir: string, task: string, precision: string): Record<string, number> {
  const script = join(import.meta.dirname, "qwen-run.js");
  const out = execFileSync(process.execPath, [script, dir, task, precision], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
}

/**
 * A byte-level BPE tokenizer with exactly `size` ids, as the model's vocabulary needs (a random model samples
 * any id, and decoding refuses unknown ones): trained on a little code, then filled up with merges of two
 * and three bytes. Its splits mean nothing; its size and its encode/decode costs are a real tokenizer's.
 */
function fullSizeTokenizer(size: number): Tokenizer {
  const trained = Tokenizer.train(["def f(x):\n    return x + 1\n", "print('hello, world')\n"], {
    vocabSize: 512,
  });
  const json = trained.toJSON() as { model: { vocab: Record<string, number>; merges: string[] } };
  const { vocab, merges } = json.model;
  let next = Math.max(...Object.values(vocab)) + 1;
  const add = (left: string, right: string) => {
    if (next >= size || left + right in vocab) return;
    vocab[left + right] = next++;
    merges.push(`${left} ${right}`);
  };
  const fill = () => {
    for (const a of byteToChar) for (const b of byteToChar) add(a, b);
    for (const a of byteToChar)
      for (const b of byteToChar)
        for (const c of byteToChar) {
          if (next >= size) return; // full: stop every loop, not only the innermost
          add(a + b, c);
        }
  };
  fill();
  return Tokenizer.fromJSON(json);
}

function log(line: string): void {
  process.stderr.write(`qwen-0.5b: ${line}\n`);
}
