/**
 * Progress of long work on stderr. On a terminal: one line redrawn in place — a bar, the count, the caller's
 * fields (loss, tokens/s, …), the rate, the time so far and the time left. When stderr is not a terminal, or CI is set:
 * a plain log line every few seconds and one at the end, so logs stay readable.
 *
 *   const bar = new Progress({ label: "sft", total: steps, unit: "step" });
 *   bar.update(step, { loss, "tok/s": rate });
 *   bar.done();
 */
import { envVars } from "../env.js";

/** Where progress is written: process.stderr, or anything with `write` (tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Shown first, e.g. "sft". */
  label: string;
  /** Units of work in all; with it the line shows a bar, a percentage and the time left. */
  total?: number;
  /** Units already done when the display starts (a resumed run): the rate counts only the new ones. */
  start?: number;
  /** What one unit is, for the rate ("step" → "2.5 step/s"); default "it". */
  unit?: string;
  /** Seconds between plain log lines (not on a terminal); default 10. */
  logEverySeconds?: number;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Redraw one line in place; default: when the stream is a terminal and CI is not set. */
  live?: boolean;
}

/** Caller fields shown after the rate; numbers are rounded for display. */
export type ProgressFields = Record<string, number | string>;

/** Redraws at most this often on a terminal: drawing is cheap, but flicker is not. */
const redrawMs = 100;

export class Progress {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private count: number;
  private fields: ProgressFields = {};
  private drawn = false;
  private finished = false;
  /** `done` as of the last plain log line, so the final line is not a repeat of it. */
  private logged = -1;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.live = options.live ?? (this.stream.isTTY === true && !ciSet());
    this.count = options.start ?? 0;
  }

  /** Records that `done` units are complete, with the current fields; redraws or logs when due. */
  update(done: number, fields: ProgressFields = {}): void {
    this.count = done;
    this.fields = fields;
    const now = performance.now();
    const interval = this.live ? redrawMs : (this.options.logEverySeconds ?? 10) * 1000;
    if (now - this.lastDraw < interval) return;
    this.lastDraw = now;
    this.emit(false);
  }

  /** Prints a message on its own line without breaking the progress line. */
  log(message: string): void {
    if (this.live && this.drawn) this.stream.write("\r\x1b[K");
    this.stream.write(message + "\n");
    if (this.live && this.drawn) this.emit(false);
  }

  /** Draws the final state and ends the line; later calls do nothing. */
  done(fields?: ProgressFields): void {
    if (this.finished) return;
    if (fields) this.fields = fields;
    if (this.live || this.logged !== this.count || fields) this.emit(true);
    this.finished = true;
  }

  private emit(final: boolean): void {
    const line = this.line();
    if (this.live) {
      const width = (this.stream.columns ?? 100) - 1;
      this.stream.write(`\r\x1b[K${line.length > width ? line.slice(0, width) : line}${final ? "\n" : ""}`);
      this.drawn = !final;
    } else {
      this.stream.write(line + "\n");
      this.logged = this.count;
    }
  }

  private line(): string {
    const { label, total, unit = "it" } = this.options;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? (this.count - (this.options.start ?? 0)) / seconds : 0;
    const parts: string[] = [];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, this.count / total);
      if (this.live) parts.push(bar(fraction, 20));
      parts.push(`${this.count}/${total}`, `${Math.floor(fraction * 100)}%`);
    } else {
      parts.push(`${this.count}`);
    }
    // The caller's fields before the timing, so a narrow terminal cuts the timing first.
    for (const [name, value] of Object.entries(this.fields)) parts.push(`${name} ${typeof value === "number" ? formatValue(value) : value}`);
    parts.push(`${formatValue(rate)} ${unit}/s`, formatDuration(seconds));
    if (total !== undefined && rate > 0 && this.count < total) parts.push(`eta ${formatDuration((total - this.count) / rate)}`);
    return this.live ? `${label} ${parts.join("  ")}` : `${label}: ${parts.join(", ")}`;
  }
}

function ciSet(): boolean {
  const ci = envVars.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

function bar(fraction: number, width: number): string {
  const full = Math.round(fraction * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

/** Four significant digits below 1000, whole numbers with thousands separators above. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) || Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(4)).toString();
}

/** 42s, 3m05s, 2h07m. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
