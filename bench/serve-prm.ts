/**
 * The PRM service's benchmark (issue 13): the same responses scored by a PRM in process (the baseline:
 * `PrmScorer.scoreBatch`, one call per batch of 32, as a trainer in the same process does) and through
 * `linewise serve-prm` over 127.0.0.1 — OpenRLHF's `/get_reward` with one response per request from 32
 * concurrent clients (the server's batch queue must gather them into shared forward passes), and with 8
 * responses per request — in one process. Reports responses per second, each request's latency (p50,
 * p99; in process, each batch of 32's) and the throughput ratio to the baseline; rounds alternate so that load hits every path.
 *
 *   npm run bench -- serve-prm [RUN]
 *   RUN: a demo run folder with a trained PRM (default: the newest runs/demo-*; made by `npm run demo`)
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { loadProblems } from "../src/problems/loaders/index.js";
import { segmentResponse } from "../src/labels/segment.js";
import { PrmScorer } from "../src/train/prm-scorer.js";
import { PrmServer } from "../src/server/prm-server.js";
import { psgpoPreset } from "../src/train/ppo.js";
import { pathFigures, type PathTimes } from "./service-figures.js";
import { pool } from "./exec.js";

const batch = 32;

/** The newest checkpoint of the demo run's PRM. */
function demoPrm(run: string): string {
  const dir = join(run, "prm", "run", "checkpoints");
  if (!existsSync(dir))
    throw new Error(`bench serve-prm: ${run} has no trained PRM (${dir}); run 'npm run demo' first`);
  const steps = readdirSync(dir)
    .filter((d) => /^step-\d+$/.test(d))
    .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)));
  return join(dir, steps[0]!);
}

function newestDemo(): string | null {
  const runs = join(packageRoot, "runs");
  if (!existsSync(runs)) return null;
  const demos = readdirSync(runs)
    .map((d) => join(runs, d))
    .filter((d) => d.includes("demo-") && existsSync(join(d, "prm", "run", "checkpoints")))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return demos[0] ?? null;
}

export async function benchServePrm(options: { rounds?: number; responses?: number } = {}) {
  const run = process.argv[3] ?? newestDemo();
  if (!run) {
    console.error(
      "bench serve-prm: skipped, no demo run with a trained PRM under runs/ (run 'npm run demo')",
    );
    return { skipped: "no demo run with a trained PRM" };
  }
  const checkpoint = demoPrm(run);
  const rounds = options.rounds ?? 2;
  // Responses: the SFT problems' reference bodies (the prompt is the function's signature and docstring).
  const problems = (await loadProblems(join(run, "suite", "sft.jsonl"), "linewise")).problems.filter(
    (p) => p.solution,
  );
  const rows = problems.slice(0, options.responses ?? 256).map((p) => ({
    prompt: p.prompt,
    response: p.solution!.startsWith(p.prompt) ? p.solution!.slice(p.prompt.length) : p.solution!,
  }));
  if (rows.length === 0)
    throw new Error(`bench serve-prm: ${run}/suite/sft.jsonl holds no reference solutions`);
  const items = await Promise.all(
    rows.map(async (r) => ({
      ...r,
      steps: (await segmentResponse("", r.response, "line")).steps.map((s) => s.text),
    })),
  );
  const scorer = PrmScorer.load(checkpoint, { batchSize: batch });
  const reward = {
    rule: "psgpo" as const,
    lambdaPass: psgpoPreset.lambdaPass,
    lambdaFail: psgpoPreset.lambdaFail,
  };
  const server = new PrmServer({ scorer, reward, granularity: "line", maxBatch: batch });
  const url = `http://127.0.0.1:${(await server.listen(0)).port}/get_reward`;
  console.error(`bench serve-prm: PRM ${checkpoint}, ${items.length} responses, ${rounds} rounds`);

  const post = async (chunk: typeof rows) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: chunk.map((r) => r.prompt + r.response),
        prompts: chunk.map((r) => r.prompt),
        labels: chunk.map(() => "pass"),
      }),
    });
    if (!res.ok) throw new Error(`bench serve-prm: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { rewards: number[] }).rewards.length;
  };
  const chunks = <T>(xs: T[], n: number) =>
    Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
  // Each path: jobs of some responses each, `width` at a time; every job's latency is recorded.
  const paths: Record<string, { width: number; jobs: (() => Promise<number>)[] }> = {
    inProcess: {
      width: 1,
      jobs: chunks(items, batch).map((c) => async () => scorer.scoreBatch(c).length),
    },
    oneEach: { width: batch, jobs: rows.map((r) => () => post([r])) },
    eightEach: { width: batch / 8, jobs: chunks(rows, 8).map((c) => () => post(c)) },
  };
  const times: Record<string, PathTimes> = {};
  for (const name of Object.keys(paths)) times[name] = { seconds: [], latencies: [], ok: 0 };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, path] of Object.entries(paths)) {
        const t0 = performance.now();
        const counts = await pool(
          path.width,
          path.jobs.map((job) => async () => {
            const start = performance.now();
            const n = await job();
            times[name]!.latencies.push(performance.now() - start);
            return n;
          }),
        );
        times[name]!.seconds.push((performance.now() - t0) / 1000);
        times[name]!.ok = counts.reduce((a, b) => a + b, 0);
      }
      console.error(`bench serve-prm: round ${round + 1}/${rounds} done`);
    }
  } finally {
    await server.close();
    scorer.dispose();
  }
  const figures: Record<string, unknown> = { responses: items.length, rounds, checkpoint };
  Object.assign(figures, pathFigures(times, items.length, "responses", "scored"));
  return figures;
}
