/**
 * What a run folder holds, for the HTML report: label files, problem files, PRM runs, RL runs (PPO, GRPO)
 * and evaluations, found by their contents rather than by which command wrote them, so one report code
 * path serves `demo`, `compare` and every single-stage command's folder.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { metricsFile } from "../../runs/metrics.js";
import { heldOutScoresFile } from "../../train/prm-metrics.js";

export interface RunParts {
  root: string;
  /** Label-record JSONL files (DESIGN.md, "Formats"). */
  labelFiles: string[];
  /** Problem JSONL files (for each problem's difficulty). */
  problemFiles: string[];
  /** PRM run folders: metrics with held-out figures, and heldout-scores.jsonl when the trainer wrote it. */
  prmRuns: string[];
  /** PPO/GRPO run folders: metrics.jsonl rows with a pass rate, and samples/. */
  rlRuns: string[];
  /** Evaluation folders: results.jsonl and summary.json. */
  evalDirs: string[];
}

// Folders that never hold anything the report shows, and are large.
const skipped = new Set([
  "checkpoints",
  "exec-cache",
  ".cache",
  "node_modules",
  ".git",
  "report-data",
  "samples",
]);
const maxDepth = 6;

/** The report's parts of `root`, each list sorted by path. */
export function scanRun(root: string): RunParts {
  const parts: RunParts = { root, labelFiles: [], problemFiles: [], prmRuns: [], rlRuns: [], evalDirs: [] };
  const walk = (dir: string, depth: number) => {
    const names = readdirSync(dir).sort();
    if (names.includes("results.jsonl") && names.includes("summary.json")) parts.evalDirs.push(dir);
    if (names.includes(metricsFile)) {
      const first = firstJsonLine(join(dir, metricsFile));
      if (first && "passRate" in first) parts.rlRuns.push(dir);
      else if (names.includes(heldOutScoresFile) || hasHeldOutMetrics(join(dir, metricsFile)))
        parts.prmRuns.push(dir);
    }
    for (const name of names) {
      const path = join(dir, name);
      let stat;
      try {
        stat = statSync(path);
      } catch {
        continue; // a dangling link
      }
      if (stat.isDirectory()) {
        if (!skipped.has(name) && depth < maxDepth) walk(path, depth + 1);
      } else if (
        name.endsWith(".jsonl") &&
        !["results.jsonl", metricsFile, heldOutScoresFile].includes(name)
      ) {
        const row = firstJsonLine(path);
        if (!row) continue;
        if (Array.isArray(row.steps) && Array.isArray(row.labels) && typeof row.method === "string")
          parts.labelFiles.push(path);
        else if (typeof row.id === "string" && typeof row.prompt === "string" && row.tests)
          parts.problemFiles.push(path);
      }
    }
  };
  walk(root, 0);
  return parts;
}

/** A path relative to the run folder, for display ("." for the folder itself). */
export function shortPath(root: string, path: string): string {
  return relative(root, path) || ".";
}

/** The first line of a JSONL file as an object, or null (empty, unreadable, or not an object). */
function firstJsonLine(path: string): Record<string, unknown> | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    // A label record carries its prompt and probes: read enough for a long first line.
    const buffer = Buffer.alloc(1 << 20);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString("utf8");
    const line = text.slice(0, text.indexOf("\n") >= 0 ? text.indexOf("\n") : text.length);
    const value = JSON.parse(line) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function hasHeldOutMetrics(path: string): boolean {
  return existsSync(path) && /"heldOut\/auc"/.test(readHead(path));
}

function readHead(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(1 << 16);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
