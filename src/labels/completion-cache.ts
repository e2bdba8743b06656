/**
 * Completions cached by (policy, request): a resumed or repeated labelling run reads the samples it drew
 * before instead of drawing them again. One JSON file per request (content-addressed, written through a
 * rename), so concurrent shards can share the folder.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cacheKey, ResultCache } from "../exec/cache.js";
import type { Completion, CompletionRequest, Generator } from "../generate/types.js";
import { packageRoot } from "../paths.js";

/** The default folder: `.cache/completions` in the package, beside the executor's `.cache/exec`. */
export const defaultCompletionCacheDir = join(packageRoot, ".cache", "completions");

/**
 * A generator that answers requests from the cache and sends only the misses to `inner`. `policy` must
 * change whenever the model does (see `checkpointIdentity`): it is part of every key. A request without a
 * seed is never cached, since sampling it again would give other completions.
 */
export class CachedGenerator implements Generator {
  private readonly cache: ResultCache<Completion[]>;

  /** `dir`: the cache folder, or null to keep completions in memory only. */
  constructor(
    private readonly inner: Generator,
    private readonly policy: string,
    dir: string | null = defaultCompletionCacheDir,
  ) {
    this.cache = new ResultCache(dir);
  }

  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    const keys = requests.map((r) => (r.seed === undefined ? undefined : this.key(r)));
    const results: (Completion[] | undefined)[] = await Promise.all(
      keys.map((k) => (k ? this.cache.get(k) : undefined)),
    );
    const missing = results.flatMap((r, i) => (r === undefined ? [i] : []));
    if (missing.length) {
      const sampled = await this.inner.complete(missing.map((i) => requests[i]!));
      await Promise.all(
        missing.map(async (i, j) => {
          results[i] = sampled[j]!;
          if (keys[i]) await this.cache.set(keys[i]!, sampled[j]!);
        }),
      );
    }
    return results as Completion[][];
  }

  private key(r: CompletionRequest): string {
    return cacheKey([
      "completion/1",
      this.policy,
      r.prompt,
      r.n,
      r.maxTokens,
      r.temperature ?? 1,
      r.topP ?? 1,
      r.topK ?? null,
      r.stop ?? [],
      r.seed,
    ]);
  }
}

/**
 * A name for a checkpoint's weights that changes when they do: its path and a hash of its config and
 * safetensors files (hashing is fast next to sampling, even for large files).
 */
export async function checkpointIdentity(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of ["config.json", "tokenizer.json", "model.safetensors"]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    hash.update(file);
    if (file !== "model.safetensors") hash.update(readFileSync(path));
    else for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return `checkpoint:${resolve(dir)}#${hash.digest("hex").slice(0, 16)}`;
}

/**
 * A request's own seed from the run's seed and the prompt: each prompt's samples are then the same however
 * requests are batched or interleaved across problems (a local generator seeds each distinct seed's batch).
 */
export function requestSeed(seed: number, prompt: string): number {
  return createHash("sha256").update(`${seed}\0${prompt}`).digest().readUInt32LE(0) & 0x7fffffff;
}
