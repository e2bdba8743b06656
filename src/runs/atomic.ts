/**
 * Writes that a killed process never leaves half done: the bytes go to a temporary name in the same folder,
 * then one rename (atomic on POSIX file systems) puts them in place. Readers see the old file or the new one.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The temporary name beside `path`: dot-prefixed (listings skip it) and unique to this process. */
export function partialName(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
}

/** Writes `data` to `path` through a temporary file and a rename, creating the folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = partialName(path);
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/**
 * Fills a folder under a temporary name, then renames it to `dir` (replacing an older `dir`). When `fill`
 * throws, the partial folder is removed and `dir` is left as it was.
 */
export function writeDirAtomic(dir: string, fill: (partialDir: string) => void): void {
  const temp = partialName(dir);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  try {
    fill(temp);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  // A folder cannot be renamed over a non-empty one: move the old one aside first, then drop it.
  const old = `${temp}.old`;
  let replaced = false;
  try {
    renameSync(dir, old);
    replaced = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  renameSync(temp, dir);
  if (replaced) rmSync(old, { recursive: true, force: true });
}
