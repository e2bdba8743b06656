/**
 * The gradient-checkpointing benchmark: training steps of one Llama-shaped model with checkpointing off
 * and on (src/torch/checkpoint.ts), each measurement in a fresh child process (bench/checkpointing-run.ts)
 * so that each peak resident size is its own, the two alternating so that load on the machine hits both.
 * Reports the peak resident memory of each and the ratio of their step times (CPU time too, for a loaded
 * machine). The default shape makes activations, not weights, the larger part of a step's memory:
 * 8 layers × 384, vocabulary 2,048, batch 4 × 512 tokens. With `--lora R` a third setting joins them:
 * checkpointing on and only rank-R LoRA adapters on the attention projections trained.
 *
 *   npm run bench -- grad-ckpt [--layers N] [--width D] [--heads H] [--batch B] [--tokens T] [--rounds R] [--lora R]
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";

/** Steps per measurement; the first (allocations, first-touch page faults) is not timed. */
const steps = 3;

export async function benchCheckpointing(): Promise<Record<string, unknown>> {
  const option = (name: string, fallback: number) => {
    const args = process.argv.slice(3);
    const at = args.indexOf(`--${name}`);
    const value = at >= 0 ? Number(args[at + 1]) : fallback;
    if (!Number.isInteger(value) || value < (name === "lora" ? 0 : 1))
      throw new Error(`bench grad-ckpt: --${name} expects a positive integer, got '${args[at + 1]}'`);
    return value;
  };
  const shape = {
    nLayer: option("layers", 8),
    dModel: option("width", 384),
    nHead: option("heads", 6),
    vocabSize: 2048,
    batch: option("batch", 4),
    tokens: option("tokens", 512),
  };
  const rounds = option("rounds", 2);
  const lora = option("lora", 0);
  const modes: Mode[] = lora > 0 ? ["off", "on", "lora"] : ["off", "on"];
  log(`shape ${JSON.stringify(shape)}; ${steps} steps per measurement (the first untimed), ${rounds} rounds`);
  const rows: Record<Mode, Record<string, number>[]> = { off: [], on: [], lora: [] };
  for (let round = 0; round < rounds; round++)
    for (const mode of modes) {
      const figures = measure(mode, shape, lora);
      rows[mode].push(figures);
      log(
        `round ${round + 1}, ${mode === "lora" ? `checkpointing on, LoRA r=${lora}` : `checkpointing ${mode}`}: peak RSS ${figures.peakRssGiB!.toFixed(2)} GiB ` +
          `(before the first step ${figures.rssBeforeGiB!.toFixed(2)}), ${figures.stepSeconds!.toFixed(2)} s/step ` +
          `(CPU ${figures.stepCpuSeconds!.toFixed(2)} s)`,
      );
    }
  const mean = (mode: Mode, key: string) => rows[mode].reduce((s, r) => s + r[key]!, 0) / rows[mode].length;
  const figures = (mode: Mode) => ({
    peakRssGiB: Number(mean(mode, "peakRssGiB").toFixed(2)),
    rssBeforeGiB: Number(mean(mode, "rssBeforeGiB").toFixed(2)),
    stepSeconds: Number(mean(mode, "stepSeconds").toFixed(2)),
    stepCpuSeconds: Number(mean(mode, "stepCpuSeconds").toFixed(2)),
  });
  const off = figures("off");
  const on = figures("on");
  // What a step adds on top of the weights and optimiser state: activations (and gradients).
  const memoryRatio = (on.peakRssGiB - on.rssBeforeGiB) / (off.peakRssGiB - off.rssBeforeGiB);
  const timeRatio = on.stepSeconds / off.stepSeconds;
  const cpuRatio = on.stepCpuSeconds / off.stepCpuSeconds;
  log(
    `checkpointing on/off: peak RSS ${on.peakRssGiB} vs ${off.peakRssGiB} GiB (memory above the weights ×${memoryRatio.toFixed(2)}), ` +
      `step time ×${timeRatio.toFixed(2)} (CPU ×${cpuRatio.toFixed(2)})`,
  );
  return {
    shape,
    params: rows.off[0]!.params,
    off,
    on,
    memoryAboveWeightsRatio: Number(memoryRatio.toFixed(2)),
    stepTimeRatio: Number(timeRatio.toFixed(2)),
    stepCpuRatio: Number(cpuRatio.toFixed(2)),
    ...(lora > 0 ? { loraRank: lora, loraWithCheckpointing: figures("lora") } : {}),
  };
}

/** off, on: gradient checkpointing; lora: checkpointing on and LoRA adapters trained. */
type Mode = "off" | "on" | "lora";

function measure(mode: Mode, shape: object, lora: number): Record<string, number> {
  const child = spawnSync(
    process.execPath,
    [
      join(packageRoot, "dist", "bench", "checkpointing-run.js"),
      mode === "off" ? "off" : "on",
      String(steps),
      JSON.stringify(shape),
      String(mode === "lora" ? lora : 0),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (child.status !== 0) throw new Error(`bench grad-ckpt: the ${mode} run failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

function log(line: string): void {
  console.error(`bench grad-ckpt: ${line}`);
}
