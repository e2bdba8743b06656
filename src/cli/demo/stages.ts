/**
 * Demo stages that resume: each stage is skipped when its output already exists in the run folder, and
 * the wall time of every stage that ran is kept in `stages.json` (so a resumed run still reports it).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../runs/index.js";
import { Interrupted } from "./arms.js";

export interface StageTiming {
  name: string;
  seconds: number;
  /** True when this invocation found the output and skipped the work. */
  skipped: boolean;
}

export class Stages {
  private readonly file: string;
  private readonly timings: Record<string, number>;
  /** Stages this invocation has run or found done, each once (a stage several arms need is reported once). */
  readonly ran: StageTiming[] = [];

  /** `signal`: Ctrl-C (stopOnInterrupt); once it fires no further stage starts. */
  constructor(
    readonly dir: string,
    private readonly signal?: AbortSignal,
  ) {
    this.file = join(dir, "stages.json");
    this.timings = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, "utf8")) as Record<string, number>)
      : {};
  }

  /** Runs `work` unless `output` exists; `work` must write `output` last (atomically) when it finishes. */
  async stage<T>(
    name: string,
    output: string,
    work: () => Promise<T>,
    log: (line: string) => void,
  ): Promise<void> {
    if (existsSync(output)) {
      if (!this.ran.some((r) => r.name === name)) {
        log(`[${name}] done earlier (${output}), skipped`);
        this.ran.push({ name, seconds: this.timings[name] ?? 0, skipped: true });
      }
      return;
    }
    if (this.signal?.aborted) throw new Interrupted(`the run, before stage ${name},`);
    log(`[${name}] starting`);
    const started = performance.now();
    await work();
    const seconds = (performance.now() - started) / 1000;
    this.timings[name] = seconds;
    writeFileAtomic(this.file, JSON.stringify(this.timings, null, 2) + "\n");
    this.ran.push({ name, seconds: this.timings[name]!, skipped: false });
    log(`[${name}] finished in ${seconds.toFixed(1)} s`);
  }

  /** Every finished stage's seconds, as recorded over all invocations. */
  recorded(): Record<string, number> {
    return { ...this.timings };
  }

  /** Seconds recorded for a stage (over all invocations). */
  seconds(name: string): number {
    return this.timings[name] ?? 0;
  }
}
