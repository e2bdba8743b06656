/**
 * One measurement of `bench -- ppo` (bench/ppo.ts), in a process of its own so that process-wide settings
 * (the allocator's) can differ: PPO iterations of the RL baseline preset with CONFIG_JSON's fields laid
 * over it (the caller's demo settings, so that another checkout runs the same ones); prints rollouts/s and
 * the mean seconds per phase as one JSON line.
 *   node dist/bench/ppo-run.js POLICY PROBLEMS OUT CONFIG_JSON
 */
import { loadProblems } from "../src/problems/loaders/index.js";
import { baselinePreset, trainPpo } from "../src/train/ppo.js";

const [policy, problemsFile, out, overrides] = process.argv.slice(2) as [string, string, string, string];
const { problems } = await loadProblems(problemsFile, "linewise");
const began = performance.now();
const result = await trainPpo(
  { ...baselinePreset, ...(JSON.parse(overrides) as object), policy },
  problems,
  out,
  { quiet: true },
);
const seconds = (performance.now() - began) / 1000;
const rows = result.metrics as unknown as Record<string, number>[];
const phases = Object.keys(rows[0]!).filter((k) => k.endsWith("Seconds"));
const mean = (k: string) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length;
const rollouts = rows.reduce((s, r) => s + r.rollouts!, 0);
console.log(
  JSON.stringify({
    rolloutsPerSec: rollouts / rows.reduce((s, r) => s + r.rolloutSeconds! + r.updateSeconds!, 0),
    wall: seconds,
    ...Object.fromEntries(phases.map((k) => [k, mean(k)])),
  }),
);
