/**
 * The executor service's benchmark (issue 13): HumanEval's reference solutions run by the in-process
 * executor (the baseline), through `linewise serve-exec`'s batch route by the `--exec-url` client, as
 * SandboxFusion `/run_code` requests (the script and its `check` alone), and by the `--exec-url` client's
 * SandboxFusion backend (`sandboxfusion+http://…`: each program with its tests inside linewise's harness,
 * one /run_code request each, graded on the client), each with the same number of sandboxed workers, in
 * one process over 127.0.0.1. Reports programs per second and each program's latency (p50, p99: from being handed over to
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
import { pathFigures, type PathTimes } from "./service-figures.js";
import { pool, readHumanEval, type Sample } from "./exec.js";

const limits = { wallMs: 10_000, cpuMs: 10_000 };

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
  const fusion = new RemoteExecutor({ urls: [`sandboxfusion+${url}?concurrency=${2 * slots}`] });
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
    fusionClient: async (s, tag) => (await fusion.run(s.program + tag, s.tests, limits)).status === "pass",
  };
  const times: Record<string, PathTimes> = {};
  for (const name of Object.keys(paths)) times[name] = { seconds: [], latencies: [], ok: 0 };
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
        times[name]!.ok = results.filter(Boolean).length;
      }
      console.error(`bench serve-exec: round ${round + 1}/${rounds} done`);
    }
  } finally {
    await remote.close();
    await fusion.close();
    await server.close();
    await local.close();
  }
  const figures: Record<string, unknown> = { programs: samples.length, slots, rounds };
  Object.assign(figures, pathFigures(times, samples.length, "programs", "passed"));
  return figures;
}
