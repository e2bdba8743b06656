/**
 * A run's metrics: `metrics.jsonl` (one JSON object per logged step, the record tools and reports read) and
 * a TensorBoard event file with the same numbers as scalars.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { EventFileWriter } from "./tfevents.js";

/** One logged step: `step` plus named values; numbers also go to TensorBoard under their names. */
export type MetricsRow = { step: number } & Record<string, number | string | boolean | null>;

export const metricsFile = "metrics.jsonl";

export class MetricsLog {
  private readonly path: string;
  private readonly events: EventFileWriter;

  /** Opens the run folder's metrics for appending; a new event file is started each time. */
  constructor(runDir: string) {
    this.path = join(runDir, metricsFile);
    this.events = new EventFileWriter(runDir);
  }

  /** Appends one row (with `wallTime`, Unix seconds, added) to metrics.jsonl and its numbers to TensorBoard. */
  log(row: MetricsRow): void {
    const wallTime = Date.now() / 1000;
    appendFileSync(this.path, JSON.stringify({ ...row, wallTime }) + "\n");
    const scalars: Record<string, number> = {};
    for (const [name, value] of Object.entries(row)) if (name !== "step" && typeof value === "number" && Number.isFinite(value)) scalars[name] = value;
    if (Object.keys(scalars).length > 0) this.events.scalars(row.step, scalars, wallTime);
  }

  /**
   * Forgets what was logged after `step` (by a session that died after its last checkpoint), so a resumed
   * run's metrics.jsonl holds each step once; TensorBoard is told the same through a session start.
   */
  rewindTo(step: number): void {
    if (existsSync(this.path)) {
      const kept = readFileSync(this.path, "utf8")
        .split("\n")
        .filter((line) => {
          try {
            return (JSON.parse(line) as { step?: unknown }).step as number <= step;
          } catch {
            return false; // blank, or a line cut short by the kill
          }
        });
      writeFileAtomic(this.path, kept.map((line) => line + "\n").join(""));
    }
    this.events.sessionStart(step + 1);
  }

  close(): void {
    this.events.close();
  }
}

/** Reads a run's metrics.jsonl rows (for reports and tests); a last line cut short by a kill is left out. */
export function readMetrics(runDir: string): MetricsRow[] {
  const path = join(runDir, metricsFile);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  return lines.flatMap((line, i) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line) as MetricsRow];
    } catch (e) {
      if (i === lines.length - 1) return [];
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
}
