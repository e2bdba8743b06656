/**
 * Supervised fine-tuning (SFT): the policy learns to continue each prompt with its completion — for the
 * built-in suite, a function's signature and docstring with its body — before process-supervised RL
 * starts from it (PSGPO §5.1 and PRLCoder §4.1 both begin RL from an SFT policy).
 *
 * An example is trained as `<bos> prompt completion <eos>`, prompt and completion tokenized separately, as
 * generation sees them. The loss is next-token cross-entropy on the completion and end token only: prompt
 * and padding positions carry the label −100, which the loss ignores (TRL's completion-only loss).
 * Batches are right-padded to their longest example; with causal attention no real token ever attends to
 * the padding on its right, so no attention mask is needed.
 *
 * The run folder (src/runs/) receives config.json, metrics.jsonl, TensorBoard events and checkpoints/step-N
 * (the model checkpoint, trainer.safetensors with AdamW's moments, trainer.json with the step). A resumed
 * run is the same computation as an uninterrupted one: the order of epoch e is a shuffle seeded by
 * (seed, e), so the step alone says which examples come next, and a Llama step draws no random numbers.
 */
import { AdamW, F, manualSeed, noGrad, scope, tensor, warmupCosine, type Tensor } from "../torch/index.js";
import {
  Llama,
  encodePrompt,
  llamaConfig,
  loadCheckpoint,
  saveCheckpoint,
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
import { MixedPrecision, type Precision } from "./mixed-precision.js";
import { optimiserStep, startInSync } from "./optimiser-step.js";
import { dataFingerprint, epochOrder } from "./order.js";
import { DataParallel } from "./distributed.js";

/** One training example: the model learns to continue `prompt` with `completion`. */
export interface SftExample {
  prompt: string;
  completion: string;
}

/** The shape of a new model (unused when `init` names a checkpoint). */
export interface SftModelConfig {
  /** Decoder layers. */
  nLayer: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Attention heads; dModel / nHead, the head width, must be even (rotary embeddings). */
  nHead: number;
  /** The LM head reuses the token embedding matrix. */
  tieWordEmbeddings: boolean;
}

export interface SftConfig {
  /** Seeds the initial weights, the held-out split and the order of every epoch. */
  seed: number;
  /** A checkpoint folder to fine-tune (its tokenizer.json comes with it); null: a new model shaped by `model`. */
  init: string | null;
  /** A tokenizer.json for a new model; null: a byte-level BPE is trained on the training examples. */
  tokenizer: string | null;
  /** Vocabulary of a tokenizer trained on the data: 3 special tokens, 256 bytes and the merges. */
  vocabSize: number;
  model: SftModelConfig;
  /** Longest example in tokens (begin token, prompt, completion, end token); longer examples are skipped. */
  maxLength: number;
  /** Examples per optimiser step: the global batch, which data-parallel ranks split (distributed.ts). */
  batchSize: number;
  /** Optimiser steps in all. */
  steps: number;
  /** Peak learning rate of AdamW. */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`; a cosine decay follows. */
  warmupSteps: number;
  /** The cosine decay ends at lr · minLrRatio on the last step. */
  minLrRatio: number;
  /** AdamW's decoupled weight decay, applied to matrices only (not to norm weights). */
  weightDecay: number;
  /** AdamW's moment decay rates (nanoGPT's 0.9, 0.95). */
  betas: [number, number];
  /** Gradients are scaled down to this global L2 norm; 0 turns clipping off. */
  gradClip: number;
  /**
   * Recompute each decoder layer in the backward instead of keeping its activations (gradient
   * checkpointing, as transformers' gradient_checkpointing_enable): less memory for about one more
   * forward pass per step; the gradients are the same. A resumed run may turn it on or off.
   */
  gradientCheckpointing: boolean;
  /**
   * "float32", or "bfloat16": the model computes in bf16 while AdamW updates float32 master weights
   * (mixed-precision.ts); checkpoints stay float32. A resumed run may change it.
   */
  precision: Precision;
  /**
   * LoRA on the policy (src/model/lora.ts), with `init` only: r > 0 trains rank-r adapters on
   * `targetModules` with the base frozen; checkpoints hold the merged weights and the adapters in PEFT's
   * layout (`adapter/`). r = 0 (the default): every weight trains.
   */
  lora: LoraConfig;
  /** Share of the examples held out for the evaluation loss; 0: no evaluation. */
  evalFraction: number;
  /** Evaluate every this many steps, and after the last. */
  evalEvery: number;
  /** Write checkpoints/step-N every this many steps, and after the last. */
  checkpointEvery: number;
  /** How many of the newest checkpoints are kept. */
  keepCheckpoints: number;
  /** Append a metrics row every this many steps, and after the last. */
  logEvery: number;
  /** Pad each batch to its longest example (true), or every batch to maxLength (false: bench/sft.ts's baseline). */
  padToLongest: boolean;
}

/**
 * Sized for a 2-core CPU: a 4-layer, width-128 model (about 1M parameters with the 1024-token vocabulary)
 * that learns the built-in suite's train split in minutes.
 */
export const sftDefaults: SftConfig = {
  seed: 0,
  init: null,
  tokenizer: null,
  vocabSize: 1024,
  model: { nLayer: 4, dModel: 128, nHead: 4, tieWordEmbeddings: false },
  maxLength: 384,
  batchSize: 16,
  steps: 600,
  lr: 2e-3,
  warmupSteps: 30,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  betas: [0.9, 0.95],
  gradClip: 1,
  gradientCheckpointing: false,
  precision: "float32",
  lora: loraOff,
  evalFraction: 0.05,
  evalEvery: 100,
  checkpointEvery: 200,
  keepCheckpoints: 2,
  logEvery: 10,
  padToLongest: true,
};

/** What `onProgress` hears after every step. */
export interface SftProgress {
  step: number;
  steps: number;
  /** Training loss of this step (mean over its completion tokens). */
  loss: number;
  lr: number;
  /** Non-padding tokens per second of training, this session. */
  tokensPerSecond: number;
  /** The latest evaluation loss, or null before the first evaluation. */
  evalLoss: number | null;
}

export interface SftOptions {
  /** Continue from the run folder's newest checkpoint when it has one; without it a used folder is refused. */
  resume?: boolean;
  /** Called after every step. */
  onProgress?: (progress: SftProgress) => void;
  /** No progress line on stderr. */
  quiet?: boolean;
  /** Stops at the next step boundary, after writing a checkpoint there. */
  signal?: AbortSignal;
  /** The data-parallel ranks this process trains with (distributed.ts); default: one process. */
  world?: DataParallel;
}

export interface SftResult {
  /** The newest checkpoint folder: the trained model with its tokenizer. */
  checkpoint: string;
  step: number;
  /** True when `signal` stopped the run before `steps`. */
  stopped: boolean;
  /** Mean training loss over the last logging window; null when no step ran in this session. */
  loss: number | null;
  evalLoss: number | null;
  /** Non-padding tokens per second of training in this session (0 when no step ran). */
  tokensPerSecond: number;
  examples: { train: number; eval: number; skipped: number };
}

/** An example as token ids; the first `promptLength` (begin token and prompt) are not trained on. */
interface Encoded {
  ids: number[];
  promptLength: number;
}

/** Trains the policy on `data` into `runDir`; resolves when `steps` are done (or `signal` stopped it). */
export async function trainSft(
  config: SftConfig,
  data: readonly SftExample[],
  runDir: string,
  options: SftOptions = {},
): Promise<SftResult> {
  checkSftConfig(config);
  const world = options.world ?? DataParallel.single;
  // 1. run folder: a resumed run must be the same training; only its length may change (rank 0 writes it)
  const fingerprint = dataFingerprint(data, (e) => [e.prompt, e.completion]);
  const run = openTrainingRun(runDir, config, {
    resume: options.resume,
    lengthField: "steps",
    data: { fingerprint, field: "data", what: "data", remedy: "the same data" },
    world,
  });
  const resumed = run.resumedFrom;
  let model: Llama | null = null;
  let trained: TrainablePolicy | null = null;
  let opt: AdamW | null = null;
  let precision: MixedPrecision | null = null;
  try {
    // 2. held-out split; tokenizer from the checkpoint, from init, from a file, or trained on the training part
    const { train, held } = splitExamples(data, config.evalFraction, config.seed);
    const tokenizerFrom = resumed?.dir ?? config.init ?? config.tokenizer;
    const tokenizer = tokenizerFrom
      ? Tokenizer.load(tokenizerFrom)
      : Tokenizer.train(
          train.map((e) => e.prompt + e.completion),
          { vocabSize: config.vocabSize },
        );

    // 3. tokenize; examples longer than maxLength are skipped
    const encode = (examples: SftExample[]) =>
      examples.map((e) => sftTokens(tokenizer, e)).filter((e) => e.ids.length <= config.maxLength);
    const trainRows = encode(train);
    const evalRows = encode(held);
    const skipped = data.length - trainRows.length - evalRows.length;
    if (trainRows.length === 0)
      throw new ConfigError(
        `sft: none of the ${train.length} training examples fits in maxLength ${config.maxLength} tokens; raise maxLength`,
      );
    const batchesPerEpoch = Math.ceil(trainRows.length / config.batchSize);

    // 4. model, and AdamW (decay on matrices only) with warm-up + cosine; both restored when resuming
    manualSeed(config.seed);
    if (config.init) {
      trained = trainablePolicy(config.init, resumed?.dir ?? null, config);
      model = trained.model;
    } else if (resumed) model = loadCheckpoint(resumed.dir);
    else {
      const { nLayer, dModel, nHead, tieWordEmbeddings } = config.model;
      model = new Llama(
        llamaConfig({
          vocabSize: tokenizer.vocabSize,
          nLayer,
          dModel,
          nHead,
          tieWordEmbeddings,
          maxPositions: Math.max(2048, config.maxLength),
          bosTokenId: tokenizer.bosId,
          eosTokenId: tokenizer.eosId,
          padTokenId: tokenizer.padId,
        }),
      );
    }
    model.gradientCheckpointing = config.gradientCheckpointing;
    precision = MixedPrecision.setUp(config.precision, [model], trained?.params ?? model.parameters());
    const params = precision.params;
    opt = new AdamW(
      [
        { params: params.filter((p) => p.ndim >= 2) },
        { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
      ],
      { lr: config.lr, betas: config.betas, weightDecay: config.weightDecay },
    );
    const schedule = warmupCosine({
      peak: config.lr,
      warmupSteps: config.warmupSteps,
      totalSteps: config.steps,
      minRatio: config.minLrRatio,
    });
    let step = 0;
    let tokens = 0;
    let trainSeconds = 0;
    if (resumed) {
      loadOptimizer(optimizerFile(resumed.dir), opt);
      step = resumed.step;
      tokens = Number(resumed.trainer.tokens);
      trainSeconds = Number(resumed.trainer.trainSeconds);
    }
    // every rank starts from rank 0's weights (they already agree: the same seed or checkpoint)
    await startInSync(world, precision);
    const bar =
      options.quiet || !world.isMain
        ? null
        : new Progress({ label: "sft", total: config.steps, start: step, unit: "step" });
    bar?.log(
      `sft: ${(model.numParameters() / 1e6).toFixed(2)}M-parameter model, vocabulary ${tokenizer.vocabSize}, ` +
        `${trainRows.length} training and ${evalRows.length} held-out examples` +
        (skipped ? ` (${skipped} longer than ${config.maxLength} tokens skipped)` : "") +
        (resumed ? `; resuming at step ${step}` : "") +
        (world.size > 1 ? `; data-parallel over ${world.size} ranks` : ""),
    );

    const m = model;
    const t = trained;
    const o = opt;
    const mp = precision;
    const checkpoints = new Checkpoints(
      run,
      config.keepCheckpoints,
      (dir) => {
        mp.withMasterWeights(() => (t ? t.save(dir, tokenizer) : saveCheckpoint(dir, m, tokenizer)));
        saveOptimizer(optimizerFile(dir), o);
      },
      () => ({
        epoch: Math.floor(step / batchesPerEpoch),
        batchInEpoch: step % batchesPerEpoch,
        tokens,
        trainSeconds,
        lr: o.lr,
        optimizerStep: o.step,
        seed: config.seed,
        data: fingerprint,
      }),
    );

    // 5. the loop: batch → forward → masked loss → backward → clip → AdamW step; evaluate, log, checkpoint
    let evalLoss: number | null = null;
    let window = { loss: 0, steps: 0, tokens: 0, seconds: 0 };
    let windowLoss: number | null = null;
    const session = { tokens: 0, seconds: 0 };
    let order = { epoch: -1, indices: [] as number[] };
    while (step < config.steps && !(await world.stopped(options.signal))) {
      // 5a. the batch: the step gives the epoch and the position in its seeded order
      const epoch = Math.floor(step / batchesPerEpoch);
      if (order.epoch !== epoch)
        order = { epoch, indices: epochOrder("sft", trainRows.length, config.seed, epoch) };
      const start = (step % batchesPerEpoch) * config.batchSize;
      const mb = order.indices.slice(start, start + config.batchSize).map((i) => trainRows[i]!);
      const width = config.padToLongest ? Math.max(...mb.map((r) => r.ids.length)) : config.maxLength;
      const mbTokens = mb.reduce((n, r) => n + r.ids.length, 0);

      // 5b. one optimiser step. Data-parallel: each rank's loss is the sum over its share's completion
      // tokens divided by the whole batch's count, so the summed gradients are the batch mean's gradient.
      const began = performance.now();
      o.lr = schedule(step);
      const rows = world.share(mb);
      const batchTargets = mb.reduce((n, r) => n + r.ids.length - r.promptLength, 0);
      let loss = scope(() => {
        if (rows.length === 0) return 0;
        const { input, labels } = batchTensors(rows, width, tokenizer.padId); // (B, width − 1) each
        const logits = m.logits(m.forward(input)); // (B, width − 1, V)
        const l =
          world.size === 1
            ? F.crossEntropy(logits.flatten(0, 1), labels.flatten(), { ignoreIndex: -100 })
            : F.crossEntropy(logits.flatten(0, 1), labels.flatten(), {
                ignoreIndex: -100,
                reduction: "sum",
              }).div(batchTargets);
        l.backward();
        return l.item();
      });
      const gradNorm = await optimiserStep(world, mp, o, config.gradClip);
      [loss] = await world.sum([loss]);
      const seconds = (performance.now() - began) / 1000;
      step += 1;
      tokens += mbTokens;
      trainSeconds += seconds;
      session.tokens += mbTokens;
      session.seconds += seconds;
      window = {
        loss: window.loss + loss,
        steps: window.steps + 1,
        tokens: window.tokens + mbTokens,
        seconds: window.seconds + seconds,
      };

      // 5c. evaluation loss on the held-out slice
      const last = step === config.steps;
      const evaluated = evalRows.length > 0 && (step % config.evalEvery === 0 || last);
      if (evaluated) {
        // data-parallel: each rank sums its share of the held-out tokens' losses
        const [sum, count] = await world.sum(evaluate(m, world.share(evalRows), config, tokenizer.padId));
        evalLoss = sum! / count!;
      }

      // 5d. metrics: the mean training loss since the previous row
      if (step % config.logEvery === 0 || last || evaluated) {
        windowLoss = window.loss / window.steps;
        run.log({
          step,
          epoch: step / batchesPerEpoch,
          loss: windowLoss,
          lr: o.lr,
          gradNorm,
          tokens,
          tokensPerSecond: window.tokens / window.seconds,
          ...(evaluated ? { evalLoss } : {}),
        });
        window = { loss: 0, steps: 0, tokens: 0, seconds: 0 };
      }

      // 5e. checkpoint
      if (step % config.checkpointEvery === 0 || last) checkpoints.save(step);

      const tokensPerSecond = session.tokens / session.seconds;
      options.onProgress?.({ step, steps: config.steps, loss, lr: o.lr, tokensPerSecond, evalLoss });
      bar?.update(step, { loss, ...(evalLoss !== null ? { eval: evalLoss } : {}), "tok/s": tokensPerSecond });
      await nextTurn();
    }

    // 6. stopped early, or nothing was left to do: the current state is the newest checkpoint
    const checkpoint = checkpoints.finish(step);
    bar?.done();
    if (window.steps > 0) windowLoss = window.loss / window.steps;
    return {
      checkpoint,
      step,
      stopped: step < config.steps,
      loss: windowLoss,
      evalLoss,
      tokensPerSecond: session.seconds > 0 ? session.tokens / session.seconds : 0,
      examples: { train: trainRows.length, eval: evalRows.length, skipped },
    };
  } finally {
    run.close();
    opt?.dispose();
    precision?.dispose();
    if (trained) trained.dispose();
    else model?.dispose();
  }
}

/** The ids SFT trains on: `<bos>` and prompt as generation encodes them (encodePrompt), completion, `<eos>`. */
export function sftTokens(tokenizer: Tokenizer, example: SftExample): Encoded {
  const prompt = encodePrompt(tokenizer, example.prompt);
  return {
    ids: [...prompt, ...tokenizer.encode(example.completion).ids, tokenizer.eosId],
    promptLength: prompt.length,
  };
}

/** Inputs (ids without the last) and labels (ids without the first) right-padded to `width − 1`; label −100 on the prompt and padding. */
function batchTensors(rows: Encoded[], width: number, padId: number): { input: Tensor; labels: Tensor } {
  const t = width - 1;
  const input = new Int32Array(rows.length * t).fill(padId);
  const labels = new Int32Array(rows.length * t).fill(-100);
  rows.forEach((row, b) => {
    for (let i = 0; i + 1 < row.ids.length; i++) {
      input[b * t + i] = row.ids[i]!;
      if (i + 1 >= row.promptLength) labels[b * t + i] = row.ids[i + 1]!;
    }
  });
  return {
    input: tensor(input, { shape: [rows.length, t], dtype: "int64" }),
    labels: tensor(labels, { shape: [rows.length, t], dtype: "int64" }),
  };
}

/** Summed cross-entropy over the held-out examples' completion tokens, and their count. */
function evaluate(model: Llama, rows: Encoded[], config: SftConfig, padId: number): [number, number] {
  let sum = 0;
  let count = 0;
  model.eval();
  noGrad(() => {
    for (let i = 0; i < rows.length; i += config.batchSize) {
      const mb = rows.slice(i, i + config.batchSize);
      const width = config.padToLongest ? Math.max(...mb.map((r) => r.ids.length)) : config.maxLength;
      sum += scope(() => {
        const { input, labels } = batchTensors(mb, width, padId);
        return F.crossEntropy(model.logits(model.forward(input)).flatten(0, 1), labels.flatten(), {
          ignoreIndex: -100,
          reduction: "sum",
        }).item();
      });
      count += mb.reduce((n, r) => n + r.ids.length - r.promptLength, 0);
    }
  });
  model.train();
  return [sum, count];
}

/** A seeded floor(n · fraction) of the examples held out; both parts keep the data's order. */
function splitExamples(
  data: readonly SftExample[],
  fraction: number,
  seed: number,
): { train: SftExample[]; held: SftExample[] } {
  const heldOut = new Set(
    epochOrder("sft", data.length, seed, -1).slice(0, Math.floor(data.length * fraction)),
  );
  return { train: data.filter((_, i) => !heldOut.has(i)), held: data.filter((_, i) => heldOut.has(i)) };
}

/** Range checks a JSON type check cannot make; the error names the field. */
export function checkSftConfig(c: SftConfig): void {
  const fail = configFailure("sft");
  checkPositiveIntegers(
    {
      vocabSize: c.vocabSize,
      "model.nLayer": c.model.nLayer,
      "model.dModel": c.model.dModel,
      "model.nHead": c.model.nHead,
      maxLength: c.maxLength,
      batchSize: c.batchSize,
      steps: c.steps,
    },
    fail,
  );
  checkStepTrainerSettings(c, fail);
  checkPrecision(c, fail);
  if (!(c.evalFraction >= 0 && c.evalFraction < 1)) fail("evalFraction", "in [0, 1)", c.evalFraction);
  if (c.maxLength < 3) fail("maxLength", "at least 3", c.maxLength);
  if (c.lora.r !== 0 && c.init === null)
    fail("lora.r", "0 without init (LoRA adapts a pretrained checkpoint)", c.lora.r);
  if (c.init !== null && c.tokenizer !== null)
    fail("tokenizer", "null when init is set (the checkpoint's tokenizer is used)", c.tokenizer);
}
