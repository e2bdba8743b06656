/**
 * Direct preference optimisation (Rafailov et al. 2023, "Direct Preference Optimization", eq. 7) on step
 * pairs (PRLCoder §3.2): given a context — the problem's prompt and the response so far — the policy learns
 * to prefer the chosen step (one that keeps the tests passing) over the rejected one (one that makes them
 * fail), relative to a frozen reference, the starting policy:
 *
 *   loss = −log σ(β · [(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))])
 *
 * with log π(y|x) the summed log-probability of the step's tokens. Whole-response pairs (a passing and a
 * failing response to one problem) train the same way, each response followed by the end token.
 *
 * A pair is `<bos> context` then the step, context and step tokenized separately as generation sees them.
 * The reference's log-probabilities are computed once, before training (TRL's precompute_ref_log_probs):
 * the reference never changes. The run folder is laid out as SFT's (src/train/sft.ts): config.json,
 * metrics.jsonl, TensorBoard events, checkpoints/step-N (the policy checkpoint, trainer.safetensors with
 * AdamW's moments, trainer.json). Epoch e's order is a shuffle seeded by (seed, e), so a resumed run
 * repeats an uninterrupted one.
 */
import {
  AdamW,
  F,
  manualSeed,
  noGrad,
  ones,
  scope,
  tensor,
  warmupCosine,
  type Tensor,
} from "../torch/index.js";
import {
  disposePacked,
  encodePrompt,
  loadCheckpoint,
  packPairs,
  scoreResponses,
  type Llama,
  type LoraConfig,
} from "../model/index.js";
import { loraOff, trainablePolicy, type TrainablePolicy } from "./policy.js";
import { Tokenizer } from "../model/tokenizer/index.js";
import { ConfigError, Progress } from "../runs/index.js";
import {
  Checkpoints,
  loadOptimizer,
  nextTurn,
  openTrainingRun,
  optimizerFile,
  saveOptimizer,
} from "./checkpoint.js";
import {
  checkPositiveIntegers,
  checkPrecision,
  checkStepTrainerSettings,
  configFailure,
} from "./config-checks.js";
import { MixedPrecision, computeIn, type Precision } from "./mixed-precision.js";
import { optimiserStep, startInSync } from "./optimiser-step.js";
import { dataFingerprint, epochOrder, shuffled } from "./order.js";
import { DataParallel } from "./distributed.js";

/** One preference: after `prompt`, `chosen` is preferred to `rejected`. */
export interface DpoPair {
  problemId: string;
  /** The context: the problem's prompt, and for a step pair the response steps before the step. */
  prompt: string;
  chosen: string;
  rejected: string;
  /** Whole responses (each then followed by the end token), not steps that a response continues after. */
  whole: boolean;
}

export interface DpoConfig {
  /** Seeds the held-out split and every epoch's order. */
  seed: number;
  /** The checkpoint DPO starts from (an SFT or PPO policy, with its tokenizer); it is also the frozen reference. */
  policy: string | null;
  /** β, how far the implicit reward β·log(π/π_ref) may move from the reference (Rafailov et al. and TRL's DPOConfig: 0.1). */
  beta: number;
  /** Passes over the training pairs (TRL's TrainingArguments default 3). */
  epochs: number;
  /** Pairs per optimiser step (TRL's per_device_train_batch_size 8; Rafailov et al. 64). */
  batchSize: number;
  /**
   * Peak learning rate of AdamW (Rafailov et al. 1e-6 and TRL 1e-6 for billion-parameter models). For the
   * demo's 1M-parameter policy on `linewise compare`'s 2,111 mutation step pairs, 1e-4 wrecked generation
   * (test pass@1 33.5% → 2.6%, 85% syntax errors, with rejected log-probs pushed down ~40 nats); 1e-5
   * reached 97% held-out pair accuracy and kept pass@1 at 30.3%.
   */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr` (Rafailov et al. 150); a cosine decay follows. */
  warmupSteps: number;
  /** The cosine decay ends at lr · minLrRatio on the last step. */
  minLrRatio: number;
  /** AdamW's decoupled weight decay (TRL's default 0). */
  weightDecay: number;
  /** AdamW's moment decay rates (PyTorch's default 0.9, 0.999). */
  betas: [number, number];
  /** Gradients are scaled down to this global L2 norm (TRL max_grad_norm 1); 0 turns clipping off. */
  gradClip: number;
  /**
   * Recompute each decoder layer in the backward instead of keeping its activations (gradient
   * checkpointing, as transformers' gradient_checkpointing_enable): less memory for about one more
   * forward pass per step; the gradients are the same. A resumed run may turn it on or off.
   */
  gradientCheckpointing: boolean;
  /**
   * "float32", or "bfloat16": the models compute in bf16 while AdamW updates float32 master weights
   * (mixed-precision.ts); checkpoints stay float32. A resumed run may change it.
   */
  precision: Precision;
  /**
   * LoRA on the policy (src/model/lora.ts): r > 0 trains rank-r adapters on `targetModules` with the base
   * frozen; checkpoints hold the merged weights and the adapters in PEFT's layout (`adapter/`). r = 0
   * (the default): every weight trains.
   */
  lora: LoraConfig;
  /** Longest pair side in tokens (begin token, context, step, end token); longer pairs are skipped. */
  maxLength: number;
  /** Share of the problems whose pairs are held out for evaluation (split by problem, so no context is in both); 0: none. */
  evalFraction: number;
  /** Evaluate every this many steps, and after the last. */
  evalEvery: number;
  /** Write checkpoints/step-N every this many steps, and after the last. */
  checkpointEvery: number;
  /** How many of the newest checkpoints are kept. */
  keepCheckpoints: number;
  /** Append a metrics row every this many steps, and after the last. */
  logEvery: number;
}

/** Sized for a 2-core CPU and a ~1M-parameter policy: a few hundred pairs train in a minute. */
export const dpoDefaults: DpoConfig = {
  seed: 0,
  policy: null,
  beta: 0.1,
  epochs: 3,
  batchSize: 16,
  lr: 1e-5,
  warmupSteps: 10,
  minLrRatio: 0.1,
  weightDecay: 0,
  betas: [0.9, 0.999],
  gradClip: 1,
  gradientCheckpointing: false,
  precision: "float32",
  lora: loraOff,
  maxLength: 384,
  evalFraction: 0.1,
  evalEvery: 50,
  checkpointEvery: 100,
  keepCheckpoints: 2,
  logEvery: 10,
};

/** Means over a set of pairs, under TRL's metric names. */
export interface DpoStats {
  loss: number;
  /** β·(log π − log π_ref) of the chosen and of the rejected side. */
  "rewards/chosen": number;
  "rewards/rejected": number;
  /** rewards/chosen − rewards/rejected. */
  "rewards/margins": number;
  /** Share of pairs whose chosen reward exceeds the rejected one. */
  "rewards/accuracies": number;
  /** Summed log-probability of each side under the policy. */
  "logps/chosen": number;
  "logps/rejected": number;
}

/** DpoStats's fields, in one order: what data-parallel ranks sum. */
const dpoStatKeys: readonly (keyof DpoStats)[] = [
  "loss",
  "rewards/chosen",
  "rewards/rejected",
  "rewards/margins",
  "rewards/accuracies",
  "logps/chosen",
  "logps/rejected",
];

export interface DpoOptions {
  /** Continue from the run folder's newest checkpoint when it has one; without it a used folder is refused. */
  resume?: boolean;
  /** Stops at the next step boundary, after writing a checkpoint there. */
  signal?: AbortSignal;
  /** No progress line on stderr. */
  quiet?: boolean;
  /** Called after every step with its batch's statistics. */
  onStep?: (step: number, steps: number, stats: DpoStats) => void;
  /** The data-parallel ranks this process trains with (distributed.ts); default: one process. */
  world?: DataParallel;
}

export interface DpoResult {
  checkpoint: string;
  step: number;
  steps: number;
  stopped: boolean;
  /** The held-out statistics at the last evaluation; null without held-out pairs. */
  eval: DpoStats | null;
  pairs: { train: number; eval: number; skipped: number };
}

/** A pair as token ids: the context (`<bos>` first) and each side's tokens. */
interface EncodedPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
  /** Summed log-probabilities of each side under the frozen reference. */
  refChosen: number;
  refRejected: number;
}

/** Trains the policy with DPO on `pairs` into `runDir`; resolves after `epochs` (or when `signal` stops it). */
export async function trainDpo(
  config: DpoConfig,
  pairs: readonly DpoPair[],
  runDir: string,
  options: DpoOptions = {},
): Promise<DpoResult> {
  checkDpoConfig(config);
  const policyDir = config.policy!;
  const fingerprint = dataFingerprint(pairs, (p) => [p.problemId, p.prompt, p.chosen, p.rejected, p.whole]);
  const tokenizer = Tokenizer.load(policyDir);
  const world = options.world ?? DataParallel.single;
  const run = openTrainingRun(runDir, config, {
    resume: options.resume,
    lengthField: "epochs",
    data: { fingerprint, field: "pairs", what: "pairs", remedy: "the same pairs" },
    world,
  });
  const resumed = run.resumedFrom;
  let trained: TrainablePolicy | null = null;
  let opt: AdamW | null = null;
  let precision: MixedPrecision | null = null;
  try {
    // 1. pairs as tokens, split by problem; the reference's log-probabilities, once
    const encode = (p: DpoPair) => encodePair(tokenizer, p);
    const fits = (e: Omit<EncodedPair, "refChosen" | "refRejected">) =>
      e.prompt.length + Math.max(e.chosen.length, e.rejected.length) <= config.maxLength;
    const usable = pairs
      .filter((p) => p.chosen !== p.rejected)
      .map((p) => ({ pair: p, encoded: encode(p) }))
      .filter((x) => fits(x.encoded));
    const skipped = pairs.length - usable.length;
    const heldOut = heldOutProblems(
      [...new Set(usable.map((x) => x.pair.problemId))],
      config.evalFraction,
      config.seed,
    );
    manualSeed(config.seed);
    const reference = loadCheckpoint(policyDir, { head: "lm" });
    computeIn(config.precision, [reference]); // the policy's starting log-ratios are then exactly 0
    let train: EncodedPair[];
    let held: EncodedPair[];
    try {
      // data-parallel: each rank scores its share of the pairs, and every rank gets them all
      const withRef = async (xs: typeof usable) => {
        const mine = world.share(xs);
        const ref = sideLogProbs(
          reference,
          mine.map((x) => x.encoded),
          config.batchSize,
          tokenizer.padId,
        );
        const all = await world.gather(mine.map((_, i) => [ref.chosen[i]!, ref.rejected[i]!]));
        return xs.map((x, i) => ({ ...x.encoded, refChosen: all[i]![0]!, refRejected: all[i]![1]! }));
      };
      train = await withRef(usable.filter((x) => !heldOut.has(x.pair.problemId)));
      held = await withRef(usable.filter((x) => heldOut.has(x.pair.problemId)));
    } finally {
      reference.dispose();
    }
    if (train.length === 0)
      throw new ConfigError(
        `dpo: none of the ${pairs.length} pairs is left to train on (identical sides, longer than maxLength ${config.maxLength}, or held out); check the pairs file`,
      );
    const batchesPerEpoch = Math.ceil(train.length / config.batchSize);
    const steps = config.epochs * batchesPerEpoch;

    // 2. the policy and AdamW with warm-up + cosine; both restored when resuming
    trained = trainablePolicy(policyDir, resumed?.dir ?? null, config);
    const policy = trained.model;
    precision = MixedPrecision.setUp(config.precision, [policy], trained.params);
    const params = precision.params;
    opt = new AdamW(params, { lr: config.lr, betas: config.betas, weightDecay: config.weightDecay });
    const schedule = warmupCosine({
      peak: config.lr,
      warmupSteps: config.warmupSteps,
      totalSteps: steps,
      minRatio: config.minLrRatio,
    });
    let step = 0;
    if (resumed) {
      loadOptimizer(optimizerFile(resumed.dir), opt);
      step = resumed.step;
    }
    // every rank starts from rank 0's weights (they already agree: the same checkpoint)
    await startInSync(world, precision);
    const bar =
      options.quiet || !world.isMain
        ? null
        : new Progress({ label: "dpo", total: steps, start: step, unit: "step" });
    bar?.log(
      `dpo: ${(policy.numParameters() / 1e6).toFixed(2)}M-parameter policy, ${train.length} training and ${held.length} held-out pairs` +
        (skipped ? ` (${skipped} skipped: identical sides or longer than ${config.maxLength} tokens)` : "") +
        `, β ${config.beta}, ${steps} steps` +
        (resumed ? `; resuming at step ${step}` : ""),
    );

    const t = trained;
    const m = policy;
    const o = opt;
    const mp = precision;
    const checkpoints = new Checkpoints(
      run,
      config.keepCheckpoints,
      (dir) => {
        mp.withMasterWeights(() => t.save(dir, tokenizer));
        saveOptimizer(optimizerFile(dir), o);
      },
      () => ({ optimizerStep: o.step, lr: o.lr, seed: config.seed, pairs: fingerprint }),
    );

    // 3. the loop: batch → one forward over both sides → DPO loss → backward → clip → AdamW; evaluate, log, checkpoint
    let evalStats: DpoStats | null = null;
    let window: DpoStats[] = [];
    let order = { epoch: -1, indices: [] as number[] };
    while (step < steps && !(await world.stopped(options.signal))) {
      const epoch = Math.floor(step / batchesPerEpoch);
      if (order.epoch !== epoch)
        order = { epoch, indices: epochOrder("dpo", train.length, config.seed, epoch) };
      const start = (step % batchesPerEpoch) * config.batchSize;
      const mb = order.indices.slice(start, start + config.batchSize).map((i) => train[i]!);

      // Data-parallel: the loss and statistics are means over pairs, so a rank weighs its share's by
      // its share of the batch's pairs, and the sums over the ranks are the batch's.
      o.lr = schedule(step);
      const rows = world.share(mb);
      const weight = rows.length / mb.length;
      const local = scope((): Partial<DpoStats> => {
        if (rows.length === 0) return {};
        const sides = sideLogProbTensors(m, rows, tokenizer.padId); // (B) each, with gradients
        const refs = tensor(
          rows.flatMap((p) => [p.refChosen, p.refRejected]),
          { shape: [rows.length, 2] },
        );
        const out = dpoLoss(sides.chosen, sides.rejected, refs.select(1, 0), refs.select(1, 1), config.beta);
        (weight === 1 ? out.loss : out.loss.mul(weight)).backward();
        return statsOf(out, sides.chosen, sides.rejected);
      });
      const gradNorm = await optimiserStep(world, mp, o, config.gradClip);
      const keys = dpoStatKeys;
      const summed = await world.sum(keys.map((k) => (local[k] ?? 0) * weight));
      const stats = Object.fromEntries(keys.map((k, i) => [k, summed[i]!])) as unknown as DpoStats;
      step += 1;
      window.push(stats);

      const last = step === steps;
      const evaluated = held.length > 0 && (step % config.evalEvery === 0 || last) && world.isMain;
      if (evaluated) evalStats = evaluate(m, held, config, tokenizer.padId);
      if (step % config.logEvery === 0 || last || evaluated) {
        run.log({
          step,
          epoch: step / batchesPerEpoch,
          lr: o.lr,
          gradNorm,
          ...meanStats(window),
          ...(evaluated ? prefixed(evalStats!, "eval/") : {}),
        });
        window = [];
      }
      if (step % config.checkpointEvery === 0 || last) checkpoints.save(step);
      options.onStep?.(step, steps, stats);
      bar?.update(step, {
        loss: stats.loss,
        acc: stats["rewards/accuracies"],
        margin: stats["rewards/margins"],
      });
      await nextTurn();
    }

    const checkpoint = checkpoints.finish(step);
    bar?.done();
    return {
      checkpoint,
      step,
      steps,
      stopped: step < steps,
      eval: evalStats,
      pairs: { train: train.length, eval: held.length, skipped },
    };
  } finally {
    run.close();
    opt?.dispose();
    precision?.dispose();
    trained?.dispose();
  }
}

/**
 * The DPO loss (Rafailov et al., eq. 7) from summed log-probabilities, (B) each: the mean over pairs of
 * −log σ(β·Δ), Δ = (π_w − ref_w) − (π_l − ref_l), computed as binary cross-entropy with target 1 on the
 * logit β·Δ (numerically stable); and each side's implicit reward β·(π − ref), without gradients.
 */
export function dpoLoss(
  policyChosen: Tensor,
  policyRejected: Tensor,
  refChosen: Tensor,
  refRejected: Tensor,
  beta: number,
): { loss: Tensor; chosenRewards: Tensor; rejectedRewards: Tensor } {
  return scope(() => {
    const chosen = policyChosen.sub(refChosen);
    const rejected = policyRejected.sub(refRejected);
    const logits = chosen.sub(rejected).mul(beta);
    const loss = F.binaryCrossEntropyWithLogits(logits, ones(logits.shape));
    return { loss, chosenRewards: chosen.detach().mul(beta), rejectedRewards: rejected.detach().mul(beta) };
  });
}

/** Summed log-probabilities of each pair's chosen and rejected side under `model`, `batch` pairs per forward pass, without gradients. */
export function pairLogProbs(
  model: Llama,
  tokenizer: Tokenizer,
  pairs: readonly DpoPair[],
  batch = 16,
): { chosen: number[]; rejected: number[] } {
  return sideLogProbs(
    model,
    pairs.map((p) => encodePair(tokenizer, p)),
    batch,
    tokenizer.padId,
  );
}

/** `<bos>` + context, and each side's tokens (the end token after a whole response). */
function encodePair(tokenizer: Tokenizer, p: DpoPair): Omit<EncodedPair, "refChosen" | "refRejected"> {
  const side = (text: string) => [...tokenizer.encode(text).ids, ...(p.whole ? [tokenizer.eosId] : [])];
  return { prompt: encodePrompt(tokenizer, p.prompt), chosen: side(p.chosen), rejected: side(p.rejected) };
}

function sideLogProbs(
  model: Llama,
  pairs: readonly Omit<EncodedPair, "refChosen" | "refRejected">[],
  batch: number,
  padId: number,
): { chosen: number[]; rejected: number[] } {
  const chosen: number[] = [];
  const rejected: number[] = [];
  noGrad(() => {
    for (let i = 0; i < pairs.length; i += batch) {
      const sides = scope(() => {
        const s = sideLogProbTensors(model, pairs.slice(i, i + batch), padId);
        return { chosen: s.chosen.toFlatArray(), rejected: s.rejected.toFlatArray() };
      });
      chosen.push(...sides.chosen);
      rejected.push(...sides.rejected);
    }
  });
  return { chosen, rejected };
}

/** One forward pass over both sides of every pair (chosen rows, then rejected rows): summed log-probabilities, (B) each. */
function sideLogProbTensors(
  model: Llama,
  pairs: readonly Omit<EncodedPair, "refChosen" | "refRejected">[],
  padId: number,
): { chosen: Tensor; rejected: Tensor } {
  const packed = packPairs(
    [
      ...pairs.map((p) => ({ prompt: p.prompt, response: p.chosen })),
      ...pairs.map((p) => ({ prompt: p.prompt, response: p.rejected })),
    ],
    padId,
  );
  try {
    return scope(() => {
      const sums = scoreResponses(model, packed, { logprobs: true }).logprobs!.sum(1); // (2B): padding contributes 0
      return {
        chosen: sums.narrow(0, 0, pairs.length),
        rejected: sums.narrow(0, pairs.length, pairs.length),
      };
    });
  } finally {
    disposePacked(packed);
  }
}

function statsOf(
  out: { loss: Tensor; chosenRewards: Tensor; rejectedRewards: Tensor },
  chosen: Tensor,
  rejected: Tensor,
): DpoStats {
  return scope(() => {
    const margins = out.chosenRewards.sub(out.rejectedRewards);
    return {
      loss: out.loss.item(),
      "rewards/chosen": out.chosenRewards.mean().item(),
      "rewards/rejected": out.rejectedRewards.mean().item(),
      "rewards/margins": margins.mean().item(),
      "rewards/accuracies": margins.gt(0).float().mean().item(),
      "logps/chosen": chosen.detach().mean().item(),
      "logps/rejected": rejected.detach().mean().item(),
    };
  });
}

/** The statistics over all held-out pairs (batches weighted by their size). */
function evaluate(model: Llama, held: readonly EncodedPair[], config: DpoConfig, padId: number): DpoStats {
  const parts: { stats: DpoStats; n: number }[] = [];
  noGrad(() => {
    for (let i = 0; i < held.length; i += config.batchSize) {
      const mb = held.slice(i, i + config.batchSize);
      parts.push({
        n: mb.length,
        stats: scope(() => {
          const sides = sideLogProbTensors(model, mb, padId);
          const refs = tensor(
            mb.flatMap((p) => [p.refChosen, p.refRejected]),
            { shape: [mb.length, 2] },
          );
          return statsOf(
            dpoLoss(sides.chosen, sides.rejected, refs.select(1, 0), refs.select(1, 1), config.beta),
            sides.chosen,
            sides.rejected,
          );
        }),
      });
    }
  });
  const n = parts.reduce((s, p) => s + p.n, 0);
  const keys = Object.keys(parts[0]!.stats) as (keyof DpoStats)[];
  return Object.fromEntries(
    keys.map((k) => [k, parts.reduce((s, p) => s + p.stats[k] * p.n, 0) / n]),
  ) as unknown as DpoStats;
}

function meanStats(window: readonly DpoStats[]): DpoStats {
  const keys = Object.keys(window[0]!) as (keyof DpoStats)[];
  return Object.fromEntries(
    keys.map((k) => [k, window.reduce((s, x) => s + x[k], 0) / window.length]),
  ) as unknown as DpoStats;
}

function prefixed(stats: DpoStats, prefix: string): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [prefix + k, v]));
}

/** A seeded floor(n · fraction) of the problem ids. */
function heldOutProblems(ids: readonly string[], fraction: number, seed: number): Set<string> {
  return new Set(
    shuffled(ids.length, `dpo/${seed}/held-out`)
      .slice(0, Math.floor(ids.length * fraction))
      .map((i) => ids[i]!),
  );
}

/** Range checks a JSON type check cannot make; the error names the field. */
export function checkDpoConfig(c: DpoConfig): void {
  const fail = configFailure("dpo");
  if (c.policy === null) fail("policy", "a checkpoint folder (the policy to train)", c.policy);
  checkPositiveIntegers({ epochs: c.epochs, batchSize: c.batchSize, maxLength: c.maxLength }, fail);
  checkStepTrainerSettings(c, fail);
  checkPrecision(c, fail);
  if (!(c.beta > 0)) fail("beta", "positive", c.beta);
  if (!(c.evalFraction >= 0 && c.evalFraction < 1)) fail("evalFraction", "in [0, 1)", c.evalFraction);
}
