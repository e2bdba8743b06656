/**
 * One process per folder. A second linewise process on a run folder that one is still writing (the same
 * command started twice, a resume started before Ctrl-C finished) would interleave checkpoints and metrics
 * rows and delete the other's half-written files, so opening a folder takes `DIR/.lock`, holding the
 * owner's pid and host, and a folder whose lock names a live process is refused. A lock left by a process
 * that died (SIGKILL, a crash) names a pid that is gone, and is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { RunFolderError } from "./run-folder-error.js";


export const lockFile = ".lock";

interface Owner {
  pid: number;
  host: string;
  what: string;
}

/** Locks `dir` (which must exist) for `what`; returns the release. The same process may lock a folder again. */
export function lockFolder(dir: string, what: string): () => void {
  const path = join(dir, lockFile);
  const mine: Owner = { pid: process.pid, host: hostname(), what };
  const text = JSON.stringify(mine) + "\n";
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, text, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
    }
    const owner = readOwner(path);
    if (owner && owner.pid === mine.pid && owner.host === mine.host) return () => {};
    if (owner && owner.host !== mine.host)
      throw new RunFolderError(
        `${dir}: in use by ${owner.what} on host ${owner.host} (pid ${owner.pid}); wait for it to end, or delete ${path} if that process is gone`,
      );
    if (owner && alive(owner.pid))
      throw new RunFolderError(
        `${dir}: in use by another process (pid ${owner.pid}, ${owner.what}); wait for it to end or stop it (Ctrl-C), then run this again`,
      );
    unlinkSync(path); // its owner is gone: take the folder over
  }
  held.add(path);
  if (held.size === 1) process.on("exit", releaseAll);
  return () => release(path);
}

/** The lock files this process holds, released at exit too (a killed process leaves a dead pid behind). */
const held = new Set<string>();

function release(path: string): void {
  if (!held.delete(path)) return;
  if (held.size === 0) process.off("exit", releaseAll);
  const owner = readOwner(path);
  if (owner?.pid === process.pid && owner.host === hostname()) unlinkSync(path);
}

function releaseAll(): void {
  for (const path of [...held]) release(path);
}

function readOwner(path: string): Owner | null {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Owner;
    return typeof owner.pid === "number" ? owner : null;
  } catch {
    return null; // unreadable or torn: treated as a dead owner's
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}
