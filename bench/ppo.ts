/**
 * The PPO benchmark (issue 12): rollouts per second of PPO iterations at the demo's settings (the RL
 * baseline preset with the demo's PPO budget: 16 problems × 4 samples, one minibatch of 64, 2 epochs)
 * from a demo run's SFT policy on its RL problems, and where an iteration's time goes: generation, the
 * sandbox, segmentation, the reference and value passes, the policy and value updates.
 *
 * Settings alternate, each measurement in a fresh child process (bench/ppo-run.ts), so that load on the
 * machine hits them all: linewise as it is; the same with glibc's allocator defaults (LINEWISE_MALLOC=system,
 * see native/allocator.cc); and, with `--baseline DIR`, another built linewise checkout (the commit before a
 * change, with this bench's ppo-run.ts copied into its bench/) — how the README's before/after figure is made.
 *
 *   npm run bench -- ppo [RUN] [--baseline DIR]
 *   RUN: a demo run folder (default: the newest runs/demo-*, else a quick demo made first)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { demoDefaults } from "../src/cli/demo/config.js";

/** Iterations per measurement (the first one's allocations are part of what is measured). */
const iterations = 2;
/** Alternations of the two settings. */
const rounds = 2;

interface Setting {
  name: string;
  tree: string;
  env: Record<string, string>;
}

export async function benchPpo(): Promise<Record<string, unknown>> {
  const args = process.argv.slice(3);
  const at = args.indexOf("--baseline");
  const baseline = at >= 0 ? args.splice(at, 2)[1] : undefined;
  if (at >= 0 && (!baseline || !existsSync(join(baseline, "dist", "bench", "ppo-run.js"))))
    throw new Error(
      `bench ppo: --baseline needs a built linewise checkout with dist/bench/ppo-run.js, got ${baseline}`,
    );
  const run = args[0] ?? newestDemo() ?? quickDemo();
  const policy = join(run, "sft", "checkpoints", newestStep(join(run, "sft", "checkpoints")));
  const problems = join(run, "suite", "rl.jsonl");
  log(`policy ${policy}, problems ${problems}; ${iterations} iterations per measurement, ${rounds} rounds`);
  const settings: Setting[] = [
    { name: "linewise", tree: packageRoot, env: {} },
    { name: "glibc defaults", tree: packageRoot, env: { LINEWISE_MALLOC: "system" } },
    ...(baseline ? [{ name: "baseline", tree: baseline, env: {} }] : []),
  ];
  const rows = new Map<string, Record<string, number>[]>(settings.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++)
    for (const setting of settings) {
      const figures = measure(setting, policy, problems);
      rows.get(setting.name)!.push(figures);
      log(`round ${round + 1}, ${setting.name}: ${figures.rolloutsPerSec!.toFixed(2)} rollouts/s`);
    }
  const mean = (name: string, key: string) =>
    rows.get(name)!.reduce((s, r) => s + (r[key] ?? 0), 0) / rows.get(name)!.length;
  const split = (name: string) =>
    Object.fromEntries(
      Object.keys(rows.get(name)![0]!)
        .filter((k) => k.endsWith("Seconds"))
        .map((k) => [k, Number(mean(name, k).toFixed(2))]),
    );
  const rolloutsPerSec = mean("linewise", "rolloutsPerSec");
  const glibc = mean("glibc defaults", "rolloutsPerSec");
  const before = baseline ? mean("baseline", "rolloutsPerSec") : null;
  log(`seconds per iteration, by phase: ${JSON.stringify(split("linewise"))}`);
  log(
    `${rolloutsPerSec.toFixed(2)} rollouts/s; with glibc's allocator defaults ${glibc.toFixed(2)} (×${(rolloutsPerSec / glibc).toFixed(2)})` +
      (before
        ? `; baseline ${baseline}: ${before.toFixed(2)} (×${(rolloutsPerSec / before).toFixed(2)})`
        : ""),
  );
  return {
    rolloutsPerSec: Number(rolloutsPerSec.toFixed(3)),
    split: split("linewise"),
    glibcDefaultsRolloutsPerSec: Number(glibc.toFixed(3)),
    allocatorSpeedup: Number((rolloutsPerSec / glibc).toFixed(2)),
    ...(before
      ? {
          baseline,
          baselineRolloutsPerSec: Number(before.toFixed(3)),
          baselineSplit: split("baseline"),
          speedup: Number((rolloutsPerSec / before).toFixed(2)),
        }
      : {}),
  };
}

/** One child process: `iterations` PPO iterations; rollouts/s over them and the mean seconds per phase. */
function measure(setting: Setting, policy: string, problems: string): Record<string, number> {
  const out = mkdtempSync(join(tmpdir(), "linewise-bench-ppo-"));
  try {
    const config = JSON.stringify({
      ...demoDefaults.ppo,
      iterations,
      checkpointEvery: iterations,
      samplesEvery: 0,
    });
    const child = spawnSync(
      process.execPath,
      [join(setting.tree, "dist", "bench", "ppo-run.js"), policy, problems, join(out, "run"), config],
      { env: { ...process.env, ...setting.env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (child.status !== 0) throw new Error(`bench ppo: the PPO run failed (exit ${child.status})`);
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, number>;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function newestDemo(): string | null {
  const runs = join(packageRoot, "runs");
  if (!existsSync(runs)) return null;
  const demos = readdirSync(runs)
    .filter((d) => d.startsWith("demo-") && existsSync(join(runs, d, "sft", "final.json")))
    .map((d) => join(runs, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return demos[0] ?? null;
}

/** No demo run yet: make a quick one (a few minutes), kept for the next bench. */
function quickDemo(): string {
  const out = join(packageRoot, "runs", "demo-quick-bench");
  log(`no demo run found: running 'linewise demo --quick --out ${out}' first`);
  const child = spawnSync(
    process.execPath,
    [join(packageRoot, "dist", "src", "cli", "main.js"), "demo", "--quick", "--out", out],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  if (child.status !== 0) throw new Error(`bench ppo: the quick demo failed (exit ${child.status})`);
  return out;
}

function newestStep(dir: string): string {
  const steps = readdirSync(dir).filter((d) => /^step-\d+$/.test(d));
  if (steps.length === 0) throw new Error(`bench ppo: ${dir} holds no step-N checkpoint`);
  return steps.sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)))[0]!;
}

function log(line: string): void {
  console.error(`bench ppo: ${line}`);
}
