/**
 * Wall-clock seconds per phase of an RL iteration (generation, sandbox, PRM scoring, log-prob passes,
 * updates): logged in each metrics row as `seconds`, and split out by `npm run bench -- ppo`.
 */
export class PhaseTimer {
  private readonly totals: Record<string, number> = {};

  /** Runs `fn` and adds its wall time to `phase`. */
  time<T>(phase: string, fn: () => T): T {
    const began = performance.now();
    try {
      return fn();
    } finally {
      this.add(phase, began);
    }
  }

  /** As `time`, for a promise-returning `fn`. */
  async timeAsync<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const began = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, began);
    }
  }

  /** Seconds per phase as metrics fields (`generateSeconds`, …), in the order phases were first timed. */
  seconds(): Record<`${string}Seconds`, number> {
    return Object.fromEntries(Object.entries(this.totals).map(([phase, s]) => [`${phase}Seconds`, s]));
  }

  private add(phase: string, began: number): void {
    this.totals[phase] = (this.totals[phase] ?? 0) + (performance.now() - began) / 1000;
  }
}
