/**
 * The executor service's benchmark (issue 13): HumanEval's reference solutions run by the in-process
 * executor (the baseline), through `linewise serve-exec`'s batch route by the `--exec-url` client, and as
 * SandboxFusion `/run_code` requests, each with the same number of sandboxed workers, in one process over
 * 127.0.0.1. Reports programs per second and each program's latency (p50, p99: from being handed over to
 * its verdict) per path, and the throughput ratio to the baseline. Rounds alternate so that load on the
 * machine hits every path.
 */
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../src/exec/index.js";
import { RemoteExecutor } from "../src/exec/remote.js";
import { sharedBenchmarks } from "../src/paths.js";
import { ExecServer } from "../src/server/exec-server.js";
import { pool, readHumanEval, type Sample } from "./exec.js";

const limits = { wallMs: 10_000, cpuMs: 10_000 };

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function benchServeExec(options: { rounds?: number; programs?: number } = {}) {
  const file = join(sharedBenchmarks, "humaneval", "HumanEval.jsonl");
  if (!existsSync(file)) {
    console.error(`bench serve-exec: skipped, ${file} is absent`);
    return { skipped: `${file} is absent` };
  }
  const samples = readHumanEval(file).slice(0, options.programs ?? 80);
  const rounds = options.rounds ?? 2;
  const slots = cpus().length;
  const local = createExecutor({ cacheDir: null, slots, limits });
  const served = createExecutor({ cacheDir: null, slots, limits });
  const server = new ExecServer({ executor: served, slots });
  const url = `http://127.0.0.1:${(await server.listen(0)).port}`;
  const remote = new RemoteExecutor({ urls: [url] });
  // Every path is driven alike: 2×slots programs in flight (what --exec-url keeps on a server), so the
  // latencies are per program, not time spent queued behind the rest of the batch.
  const paths: Record<string, (s: Sample, tag: string) => Promise<boolean>> = {
    inProcess: async (s, tag) => (await local.run(s.program + tag, s.tests, limits)).status === "pass",
    batchRoute: async (s, tag) => (await remote.run(s.program + tag, s.tests, limits)).status === "pass",
    runCode: async (s, tag) => {
      const res = await fetch(url + "/run_code", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: s.script + tag, language: "python", run_timeout: 10 }),
      });
      return ((await res.json()) as { status: string }).status === "Success";
    },
  };
  const times: Record<string, { seconds: number[]; latencies: number[]; passed: number }> = {};
  for (const name of Object.keys(paths)) times[name] = { seconds: [], latencies: [], passed: 0 };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(paths)) {
        const t0 = performance.now();
        const results = await pool(
          2 * slots,
          samples.map((s, i) => async () => {
            const start = performance.now();
            const ok = await run(s, `\n# ${name} ${round} ${i}\n`); // a new program each time: no cache hit
            times[name]!.latencies.push(performance.now() - start);
            return ok;
          }),
        );
        times[name]!.seconds.push((performance.now() - t0) / 1000);
        times[name]!.passed = results.filter(Boolean).length;
      }
      console.error(`bench serve-exec: round ${round + 1}/${rounds} done`);
    }
  } finally {
    await remote.close();
    await server.close();
    await local.close();
  }
  const figures: Record<string, unknown> = { programs: samples.length, slots, rounds };
  const base = Math.min(...times["inProcess"]!.seconds);
  for (const [name, t] of Object.entries(times)) {
    const best = Math.min(...t.seconds);
    const row = {
      perSecond: +(samples.length / best).toFixed(1),
      p50Ms: Math.round(percentile(t.latencies, 0.5)),
      p99Ms: Math.round(percentile(t.latencies, 0.99)),
      passed: t.passed,
      vsInProcess: +(base / best).toFixed(2),
    };
    console.log(
      `${name.padEnd(10)} ${row.perSecond} programs/s, latency p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ` +
        `${row.passed}/${samples.length} passed, throughput ${row.vsInProcess}× in-process`,
    );
    figures[name] = row;
  }
  return figures;
}
