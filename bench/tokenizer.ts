/**
 * The tokenizer benchmark (issue 4): BPE training time on ~2 MB of code, and encoding throughput against
 * the textbook encoder (rescan every pair after each merge, no cache) on the same text in the same run.
 * The corpus is the repository's own TypeScript plus, when ../shared/benchmarks is there, the HumanEval and
 * MBPP programs, repeated until it reaches the target size.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageRoot, sharedBenchmarks } from "../src/paths.js";
import { Tokenizer } from "../src/model/tokenizer/index.js";
import { ReferenceEncoder } from "../src/model/tokenizer/reference.js";

export interface TokenizerBenchOptions {
  /** Corpus size in bytes (default 2 MiB). */
  corpusBytes?: number;
  /** Vocabulary to train (default 8192). */
  vocabSize?: number;
  /** Bytes of the corpus the textbook encoder and ours both encode for the ratio (default 256 KiB). */
  baselineBytes?: number;
}

/** Runs the tokenizer benchmark, prints a table and returns its figures. */
export async function benchTokenizer(options: TokenizerBenchOptions = {}): Promise<Record<string, unknown>> {
  const { corpusBytes = 2 << 20, vocabSize = 8192, baselineBytes = 256 << 10 } = options;
  const { documents, sourceBytes } = benchCorpus(corpusBytes);
  const totalBytes = byteLength(documents);

  // 1. train
  log(`tokenizer: training a ${vocabSize}-token BPE on ${mb(totalBytes)} MB of code`);
  let start = performance.now();
  const trained = Tokenizer.train(documents, { vocabSize });
  const trainSeconds = (performance.now() - start) / 1000;

  // 2. encode the whole corpus with an empty cache, then again with the cache filled
  const fresh = Tokenizer.fromJSON(trained.toJSON());
  const encodeAll = () => {
    const begin = performance.now();
    let tokens = 0;
    for (const d of documents) tokens += fresh.encode(d).ids.length;
    return { seconds: (performance.now() - begin) / 1000, tokens };
  };
  const cold = encodeAll();
  const warm = encodeAll();

  // 3. the textbook encoder against ours (empty cache) on the same sample
  const sample = prefixOf(documents, baselineBytes);
  const sampleBytes = byteLength(sample);
  const reference = new ReferenceEncoder(trained.toJSON());
  const ours = Tokenizer.fromJSON(trained.toJSON());
  start = performance.now();
  const naiveIds = sample.map((d) => reference.encode(d));
  const naiveSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const ourIds = sample.map((d) => ours.encode(d).ids);
  const ourSeconds = (performance.now() - start) / 1000;
  const identical = ourIds.every(
    (ids, i) => ids.length === naiveIds[i].length && ids.every((id, k) => id === naiveIds[i][k]),
  );
  if (!identical) throw new Error("tokenizer bench: the textbook encoder and Tokenizer.encode disagree");

  const result = {
    bench: "tokenizer",
    ratio: round(naiveSeconds / ourSeconds, 1),
    corpusMB: mb(totalBytes),
    distinctSourceMB: mb(sourceBytes),
    vocabSize: trained.vocabSize,
    trainSeconds: round(trainSeconds, 2),
    encodeColdMBps: round(mb(totalBytes) / cold.seconds, 2),
    encodeWarmMBps: round(mb(totalBytes) / warm.seconds, 2),
    bytesPerToken: round(totalBytes / cold.tokens, 2),
    baseline: {
      sampleMB: mb(sampleBytes),
      naiveMBps: round(mb(sampleBytes) / naiveSeconds, 3),
      oursMBps: round(mb(sampleBytes) / ourSeconds, 2),
    },
  };
  console.log(
    [
      `tokenizer: byte-level BPE, ${result.vocabSize} tokens, ${result.corpusMB} MB of code (${result.distinctSourceMB} MB distinct)`,
      `  train                     ${result.trainSeconds.toFixed(2)} s`,
      `  encode, empty cache       ${result.encodeColdMBps.toFixed(2)} MB/s`,
      `  encode, warm cache        ${result.encodeWarmMBps.toFixed(2)} MB/s   (${result.bytesPerToken} bytes a token)`,
      `  textbook encoder          ${result.baseline.naiveMBps.toFixed(3)} MB/s on ${result.baseline.sampleMB} MB; ours ${result.baseline.oursMBps.toFixed(2)} MB/s: ratio ${result.ratio}`,
    ].join("\n"),
  );
  return result;
}

/** Documents of code: the repository's .ts files and the shared benchmarks' programs, cycled to `bytes`. */
function benchCorpus(bytes: number): { documents: string[]; sourceBytes: number } {
  const sources = ["src", "test", "bench"]
    .flatMap((dir) => tsFiles(join(packageRoot, dir)))
    .map((f) => readFileSync(f, "utf8"));
  const humanEval = join(sharedBenchmarks, "humaneval/HumanEval.jsonl");
  if (existsSync(humanEval))
    for (const row of jsonl(humanEval)) sources.push(`${row.prompt}${row.canonical_solution}\n${row.test}`);
  const mbpp = join(sharedBenchmarks, "mbpp/mbpp.jsonl");
  if (existsSync(mbpp))
    for (const row of jsonl(mbpp)) sources.push(`${row.code}\n${(row.test_list as string[]).join("\n")}\n`);
  const sourceBytes = byteLength(sources);
  const documents: string[] = [];
  for (let total = 0, i = 0; total < bytes; i++) {
    documents.push(sources[i % sources.length]);
    total += Buffer.byteLength(sources[i % sources.length]);
  }
  return { documents, sourceBytes };
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === "out" ? [] : tsFiles(path);
      return name.endsWith(".ts") ? [path] : [];
    });
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function prefixOf(documents: string[], bytes: number): string[] {
  const out: string[] = [];
  for (let total = 0, i = 0; total < bytes && i < documents.length; i++) {
    out.push(documents[i]);
    total += Buffer.byteLength(documents[i]);
  }
  return out;
}

function byteLength(documents: string[]): number {
  return documents.reduce((n, d) => n + Buffer.byteLength(d), 0);
}

function mb(bytes: number): number {
  return round(bytes / (1 << 20), 2);
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function log(line: string): void {
  process.stderr.write(line + "\n");
}
