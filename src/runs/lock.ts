/**
 * One process per folder. A second linewise process on a run folder that one is still writing (the same
 * command started twice, a resume started before Ctrl-C finished) would interleave checkpoints and metrics
 * rows and delete the other's half-written files, so opening a folder takes `DIR/.lock`, holding the
 * owner's pid and host, and a folder whose lock names a live process is refused. A lock left by a process
 * that died (SIGKILL, a crash) names a pid that is gone, and is taken over. So that a pid the kernel has
 * since given to another process does not hold the folder forever, the lock also records the owner's
 * start time and the boot it started in (Linux's /proc): a live pid that started at another time, or a
 * lock from before a reboot, is a dead owner's.
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
  /** /proc/PID/stat's start time (clock ticks since boot) and the kernel's boot id; absent off Linux. */
  started?: string;
  boot?: string;
}

/** Locks `dir` (which must exist) for `what`; returns the release. The same process may lock a folder again. */
export function lockFolder(dir: string, what: string): () => void {
  const path = join(dir, lockFile);
  const mine: Owner = { pid: process.pid, host: hostname(), what, ...startOf(process.pid) };
  const text = JSON.stringify(mine) + "\n";
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, text, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
    }
    const owner = readOwner(path);
    if (owner && owner.pid === mine.pid && owner.host === mine.host && owner.started === mine.started)
      return () => {};
    if (owner && owner.host !== mine.host)
      throw new RunFolderError(
        `${dir}: in use by ${owner.what} on host ${owner.host} (pid ${owner.pid}); wait for it to end, or delete ${path} if that process is gone`,
      );
    if (owner && alive(owner))
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

function alive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false; // EPERM: exists, owned by another user
  }
  const now = startOf(owner.pid);
  if (owner.boot && now.boot && owner.boot !== now.boot) return false; // rebooted since: every old pid is gone
  return !(owner.started && now.started && owner.started !== now.started); // the pid was given to another process
}

/** When `pid` started and in which boot, where /proc says; {} elsewhere or if it cannot be read. */
function startOf(pid: number): { started?: string; boot?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses) start at field 3; starttime is 22.
    const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3];
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return started ? { started, boot } : {};
  } catch {
    return {};
  }
}
