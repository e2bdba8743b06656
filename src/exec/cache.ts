/**
 * Results by a hash of (program, tests, limits, comparison, harness version), so labelling never runs
 * the same program twice: a bounded in-memory map, and optionally one JSON file per result on disk.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

const memoryEntries = 100_000;

/** The cache key of anything JSON can describe. */
export function cacheKey(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

export class ResultCache<T> {
  private readonly memory = new Map<string, T>();

  constructor(private readonly dir: string | null) {}

  async get(key: string): Promise<T | undefined> {
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      this.memory.delete(key); // refresh its place: the map's order is the eviction order
      this.memory.set(key, hit);
      return hit;
    }
    if (!this.dir) return undefined;
    try {
      const value = JSON.parse(await readFile(this.path(key), "utf8")) as T;
      this.remember(key, value);
      return value;
    } catch {
      return undefined; // missing or half-written: run again
    }
  }

  async set(key: string, value: T): Promise<void> {
    this.remember(key, value);
    if (!this.dir) return;
    const path = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const partial = `${path}.${randomBytes(4).toString("hex")}.part`;
    await writeFile(partial, JSON.stringify(value));
    await rename(partial, path); // readers see the whole file or none
  }

  private remember(key: string, value: T): void {
    this.memory.set(key, value);
    if (this.memory.size > memoryEntries) this.memory.delete(this.memory.keys().next().value!);
  }

  private path(key: string): string {
    return join(this.dir!, key.slice(0, 2), `${key}.json`);
  }
}
