/**
 * `linewise demo`: the main job on built-in defaults. Until the full pipeline lands (suite → SFT → labels →
 * PRM → PPO/DPO → pass@k), it runs the engine end to end: a small GPT learns a short Python function
 * from scratch on the CPU and then writes it back, so the command is real from day one.
 */
import type { Command } from "../command.js";
import { numberOption, parseOptions } from "../args.js";
import * as T from "../../torch/index.js";
import { TinyGpt } from "../../torch/examples/tinyGpt.js";
import { environmentFacts } from "./env.js";

const program = [
  "def running_max(xs):",
  "    best = None",
  "    out = []",
  "    for x in xs:",
  "        if best is None or x > best:",
  "            best = x",
  "        out.append(best)",
  "    return out",
  "",
].join("\n");

export const demoCommand: Command = {
  name: "demo",
  summary: "run the main job on built-in defaults (today: the engine learns and writes a Python function)",
  help: [
    "Usage: linewise demo [--steps N] [--seed S]",
    "",
    "Trains a small GPT (2 layers, width 64) on one Python function, character by character, printing the",
    "loss as it falls, then generates the function greedily from its first character.",
    "",
    "Options:",
    "  --steps N   training steps (default 200)",
    "  --seed S    random seed (default 0)",
  ].join("\n"),
  async run(argv) {
    const { values } = parseOptions("demo", argv, { steps: { type: "string" }, seed: { type: "string" } });
    const steps = numberOption("demo", "steps", values.steps, 200);
    T.manualSeed(numberOption("demo", "seed", values.seed, 0));
    const facts = environmentFacts();
    console.log(`libtorch ${facts.libtorch}, ${facts.threads} threads, BLAS: ${facts.openblas ? "OpenBLAS" : facts.blas}`);

    const vocab = [...new Set(program)].sort();
    const ids = [...program].map((c) => vocab.indexOf(c));
    const model = new TinyGpt({ vocabSize: vocab.length, blockSize: 256, nLayer: 2, nHead: 4, dModel: 64 });
    const opt = new T.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
    const lr = T.warmupCosine({ peak: 3e-3, warmupSteps: 20, totalSteps: steps });
    const x = T.tensor([ids.slice(0, -1)], { dtype: "int64" }).keep();
    const y = T.tensor([ids.slice(1)], { dtype: "int64" }).keep();
    console.log(`training a ${model.numParameters().toLocaleString()}-parameter GPT on ${program.length} characters`);

    const started = Date.now();
    for (let step = 0; step < steps; step++) {
      opt.lr = lr(step);
      const loss = T.scope(() => {
        const l = model.loss(x, y);
        l.backward();
        T.clipGradNorm(model.parameters(), 1);
        opt.stepUpdate();
        opt.zeroGrad();
        return l.item();
      });
      if (step % 25 === 0 || step === steps - 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
    }
    console.log(`trained in ${((Date.now() - started) / 1000).toFixed(1)} s; greedy generation from "d":\n`);

    const out = [ids[0]!];
    model.eval();
    T.noGrad(() => {
      while (out.length < ids.length) {
        out.push(T.scope(() => model.forward(T.tensor([out], { dtype: "int64" })).select(1, -1).argmax(-1).item()));
      }
    });
    const text = out.map((i) => vocab[i]).join("");
    console.log(text);
    console.log(text === program ? "the model reproduces the function exactly." : "the model does not reproduce the function yet (try more --steps).");
    model.dispose();
    opt.dispose();
    x.dispose();
    y.dispose();
    return 0;
  },
};
