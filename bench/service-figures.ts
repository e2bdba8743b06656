/**
 * The figures of a service benchmark (serve-exec.ts, serve-prm.ts): for each path, items per second in its
 * best round, the latency of each request (p50, p99), how many items came back right, and the throughput
 * ratio to the in-process path; one printed line per path.
 */

/** What a benchmark recorded for one path over its rounds. */
export interface PathTimes {
  seconds: number[];
  latencies: number[];
  /** Items that came back right (passed, scored). */
  ok: number;
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Each path's row, against `times.inProcess`; prints them, e.g. `unit` "programs", `okWord` "passed". */
export function pathFigures(
  times: Record<string, PathTimes>,
  items: number,
  unit: string,
  okWord: string,
): Record<string, unknown> {
  const figures: Record<string, unknown> = {};
  const base = Math.min(...times["inProcess"]!.seconds);
  for (const [name, t] of Object.entries(times)) {
    const best = Math.min(...t.seconds);
    const row = {
      perSecond: +(items / best).toFixed(1),
      p50Ms: Math.round(percentile(t.latencies, 0.5)),
      p99Ms: Math.round(percentile(t.latencies, 0.99)),
      [okWord]: t.ok,
      vsInProcess: +(base / best).toFixed(2),
    };
    console.log(
      `${name.padEnd(10)} ${row.perSecond} ${unit}/s, latency p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ` +
        `${t.ok}/${items} ${okWord}, throughput ${row.vsInProcess}× in-process`,
    );
    figures[name] = row;
  }
  return figures;
}
