/**
 * Process reward model (PRM) training (DESIGN.md, "Training"; issue 7): a Llama backbone with a scalar head,
 * started from a policy or value checkpoint, reads prompt + response and is trained at each step's end
 * token (the token holding the step's last character, rewards/step-ends.ts) against the step's label.
 *
 * Losses: `mse` regresses the output onto the labels {+1, −1, 0}, neutral (comment, blank, docstring) steps
 * included — PSGPO's PRM (§3), whose neutral label 0 for comment lines (§4.2) teaches it to give them
 * nothing. `bce` is a binary cross-entropy of the output as a logit of P(step correct) on the ±1 steps only
 * (PRLCoder §3: chosen = 1, rejected = 0); neutral steps carry no class and are left out.
 *
 * Data: label records (src/labels/records.ts) from completion labels (PSGPO) or mutation labels (PRLCoder).
 * Problems, not responses, are split into training and held-out sets, so no held-out problem was seen in
 * any form; the data-selection strategy (PSGPO §4.3) picks among the training records only, and the
 * held-out set is always scored in full. Held-out metrics: sign accuracy per class, AUC, accuracy by step
 * position (prm-metrics.ts).
 *
 * The run folder (src/runs/) receives config.json, metrics.jsonl, TensorBoard events and checkpoints/step-N
 * (the PRM checkpoint with prm.json, trainer.safetensors with AdamW's moments, trainer.json). As in SFT, a
 * resumed run is the same computation as an uninterrupted one: epoch e's order is a shuffle seeded by
 * (seed, e), and a step draws no random numbers.
 */
import { AdamW, F, manualSeed, noGrad, scope, tensor, warmupCosine, type Tensor } from "../torch/index.js";
import { Llama, loadCheckpoint, readCheckpointConfig, saveCheckpoint } from "../model/index.js";
import { Tokenizer } from "../model/tokenizer/index.js";
import { inProblemOrder, type LabelRecord, type StepLabel } from "../labels/records.js";
import { selectRecords, selectionStrategies, type SelectionStrategy } from "../labels/selection.js";
import { ConfigError, Progress, writeFileAtomic } from "../runs/index.js";
import { join } from "node:path";
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
import { dataFingerprint, epochOrder, shuffled } from "./order.js";
import { DataParallel } from "./distributed.js";
import {
  flatMetrics,
  heldOutScoresFile,
  prmMetrics,
  type PrmMetrics,
  type ScoredStep,
} from "./prm-metrics.js";
export { heldOutScoresFile } from "./prm-metrics.js";
import {
  encodePrmInput,
  stepEndOutputs,
  toLabelScale,
  writePrmInfo,
  type PrmInput,
  type PrmLoss,
} from "./prm-scorer.js";

export { PrmScorer, type PrmLoss } from "./prm-scorer.js";
export type { PrmMetrics } from "./prm-metrics.js";

export interface PrmConfig {
  /** Seeds the held-out split of problems and the order of every epoch. */
  seed: number;
  /** The checkpoint the backbone starts from: a policy (its LM head is dropped) or a value model / PRM. Required. */
  init: string | null;
  /** With a scalar-head `init` (a value model or an earlier PRM), keep its head; false: a fresh head, as from a policy. */
  keepHead: boolean;
  /** `mse` on labels {+1, −1, 0} (PSGPO), or `bce` on the ±1 steps (PRLCoder). */
  loss: PrmLoss;
  /** PSGPO §4.3's data selection over the training records: full, remove-hard, medium-only or revised-only. */
  select: SelectionStrategy;
  /** Longest input in tokens (begin token, prompt, response); longer records are skipped, as are those beyond the model's maxPositions. */
  maxLength: number;
  /** Responses per optimiser step. */
  batchSize: number;
  /** Optimiser steps in all. */
  steps: number;
  /** Peak learning rate of AdamW. */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`; a cosine decay follows. */
  warmupSteps: number;
  /** The cosine decay ends at lr · minLrRatio on the last step. */
  minLrRatio: number;
  /** AdamW's decoupled weight decay, on matrices only. */
  weightDecay: number;
  /** AdamW's moment decay rates. */
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
   * "float32", or "bfloat16": the models compute in bf16 while AdamW updates float32 master weights
   * (mixed-precision.ts); checkpoints stay float32. A resumed run may change it.
   */
  precision: Precision;
  /** Share of the problems whose records are held out for evaluation; 0: no evaluation. */
  heldOutFraction: number;
  /** Evaluate on the held-out problems every this many steps, and after the last. */
  evalEvery: number;
  /** Write checkpoints/step-N every this many steps, and after the last. */
  checkpointEvery: number;
  /** How many of the newest checkpoints are kept. */
  keepCheckpoints: number;
  /** Append a metrics row every this many steps, and after the last. */
  logEvery: number;
}

/** Sized for the demo's CPU policy (about 1M parameters): a few minutes on 2 cores. */
export const prmDefaults: PrmConfig = {
  seed: 0,
  init: null,
  keepHead: false,
  loss: "mse",
  select: "full",
  maxLength: 512,
  batchSize: 16,
  steps: 300,
  lr: 1e-3,
  warmupSteps: 20,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  betas: [0.9, 0.95],
  gradClip: 1,
  gradientCheckpointing: false,
  precision: "float32",
  heldOutFraction: 0.1,
  evalEvery: 100,
  checkpointEvery: 100,
  keepCheckpoints: 2,
  logEvery: 10,
};

export interface PrmOptions {
  /** Continue from the run folder's newest checkpoint when it has one; without it a used folder is refused. */
  resume?: boolean;
  /** Called after every step. */
  onProgress?: (progress: { step: number; steps: number; loss: number; lr: number }) => void;
  /** No progress line on stderr. */
  quiet?: boolean;
  /** Stops at the next step boundary, after writing a checkpoint there. */
  signal?: AbortSignal;
  /** The data-parallel ranks this process trains with (distributed.ts); default: one process. */
  world?: DataParallel;
  /**
   * Label records of other problems to evaluate on instead of a held-out share of the training records
   * (heldOutFraction is then unused and every training record trains). A fixed evaluation set is how
   * PRMs trained on different data compare: an AUC over the few problems a tenth of a small label file
   * holds out swings with which problems those are (README, demo Results: 0.21 vs 0.80 for one PRM).
   */
  evalRecords?: readonly LabelRecord[];
}

export interface PrmResult {
  /** The newest checkpoint folder: the PRM (scalar head) with its tokenizer and prm.json. */
  checkpoint: string;
  step: number;
  /** True when `signal` stopped the run before `steps`. */
  stopped: boolean;
  /** Mean training loss over the last logging window; null when no step ran in this session. */
  loss: number | null;
  /** Loss on the held-out steps (the training loss's definition); null without held-out records. */
  heldOutLoss: number | null;
  /** Metrics on the held-out problems at the final step; null without held-out records. */
  heldOut: PrmMetrics | null;
  records: {
    /** Training records after selection (and after dropping those too long or with nothing to learn). */
    train: number;
    heldOut: number;
    /** Training records the selection strategy left out. */
    unselected: number;
    /** Longer than maxLength, or (bce) without a ±1 step. */
    skipped: number;
  };
  problems: { train: number; heldOut: number };
}

/** The records leave nothing to train on (none selected, or none short enough with a labelled step). */
export class NoTrainingRecords extends ConfigError {
  override name = "NoTrainingRecords";
}

/** A record as model input, with its labels. */
interface Example extends PrmInput {
  labels: StepLabel[];
  /** The record it came from (for the held-out scores file). */
  record: LabelRecord;
}

/** Trains a PRM on label `records` into `runDir`; resolves when `steps` are done (or `signal` stopped it). */
export async function trainPrm(
  config: PrmConfig,
  labelled: readonly LabelRecord[],
  runDir: string,
  options: PrmOptions = {},
): Promise<PrmResult> {
  checkPrmConfig(config);
  const records = inProblemOrder(labelled);
  // 1. run folder: a resumed run must be the same training; only its length may change
  const fields = (r: LabelRecord) => [r.problemId, r.prompt, r.steps, r.labels, r.kind, r.promptKind ?? null];
  // The evaluation records decide the split too (without them a held-out share does not train), so a
  // resumed run must have the same ones.
  const evalRecords = options.evalRecords ? inProblemOrder(options.evalRecords) : null;
  const fingerprint =
    dataFingerprint(records, fields) + (evalRecords ? `+eval:${dataFingerprint(evalRecords, fields)}` : "");
  const init = config.init!;
  const initConfig = readCheckpointConfig(init);
  const world = options.world ?? DataParallel.single;
  const run = openTrainingRun(runDir, config, {
    resume: options.resume,
    lengthField: "steps",
    data: {
      fingerprint,
      field: "data",
      what: "label records",
      remedy: "the same records (and the same --eval-labels, or none if it had none)",
    },
    world,
  });
  const resumed = run.resumedFrom;
  let model: Llama | null = null;
  let opt: AdamW | null = null;
  let precision: MixedPrecision | null = null;
  try {
    // 2. split by problem; select among the training records; tokenize with the init checkpoint's tokenizer
    const maxLength = Math.min(config.maxLength, initConfig.maxPositions);
    const {
      train,
      held: heldRecords,
      problems,
    } = evalRecords
      ? apartFrom(records, evalRecords)
      : splitByProblem(records, config.heldOutFraction, config.seed);
    const selected = selectRecords(train, config.select);
    const tokenizer = Tokenizer.load(resumed?.dir ?? init);
    const encode = (rs: readonly LabelRecord[]) =>
      rs
        .map((r): Example => ({
          ...encodePrmInput(tokenizer, r.prompt, r.response, r.steps),
          labels: r.labels,
          record: r,
        }))
        .filter(
          (e) =>
            e.prompt.length + e.response.length <= maxLength &&
            e.ends.length > 0 &&
            (config.loss === "mse" || e.labels.some((l) => l !== 0)),
        );
    const trainRows = encode(selected);
    const heldRows = encode(heldRecords);
    const skipped = selected.length + heldRecords.length - trainRows.length - heldRows.length;
    if (trainRows.length === 0)
      throw new NoTrainingRecords(
        `prm: no training records left (${train.length} on training problems, ${selected.length} selected by "${config.select}", none both within ${maxLength} tokens and with a step to learn from)`,
      );
    const batchesPerEpoch = Math.ceil(trainRows.length / config.batchSize);

    // 3. model: the backbone of init with a scalar head (fresh unless keepHead and init has one), and AdamW
    manualSeed(config.seed);
    if (resumed) model = loadCheckpoint(resumed.dir);
    else if (initConfig.head === "scalar" && !config.keepHead) {
      const loaded = loadCheckpoint(init);
      model = new Llama(loaded.config); // a fresh, seeded head on the loaded backbone
      model.model.loadStateDict(loaded.model.stateDict());
      loaded.dispose();
    } else model = loadCheckpoint(init, { head: "scalar" });
    model.gradientCheckpointing = config.gradientCheckpointing;
    precision = MixedPrecision.setUp(config.precision, [model], model.parameters());
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
    if (resumed) {
      loadOptimizer(optimizerFile(resumed.dir), opt);
      step = resumed.step;
    }
    // every rank starts from rank 0's weights (they already agree: the same checkpoint and seed)
    await startInSync(world, precision);
    const bar =
      options.quiet || !world.isMain
        ? null
        : new Progress({ label: "prm", total: config.steps, start: step, unit: "step" });
    bar?.log(
      `prm: ${(model.numParameters() / 1e6).toFixed(2)}M-parameter model from ${init} (${config.loss} loss, "${config.select}" selection), ` +
        `${trainRows.length} training records on ${problems.train} problems, ${heldRows.length} held out on ${problems.heldOut}` +
        (skipped ? ` (${skipped} skipped: too long or nothing to learn)` : "") +
        (resumed ? `; resuming at step ${step}` : ""),
    );

    const m = model;
    const o = opt;
    const mp = precision;
    const checkpoints = new Checkpoints(
      run,
      config.keepCheckpoints,
      (dir) => {
        mp.withMasterWeights(() => saveCheckpoint(dir, m, tokenizer));
        writePrmInfo(dir, { loss: config.loss });
        saveOptimizer(optimizerFile(dir), o);
      },
      () => ({
        epoch: Math.floor(step / batchesPerEpoch),
        lr: o.lr,
        optimizerStep: o.step,
        seed: config.seed,
        data: fingerprint,
      }),
    );

    // 4. the loop: batch → outputs at step ends → loss → backward → clip → AdamW step; evaluate, log, checkpoint
    let evaluation: Evaluation | null = null;
    let window = { loss: 0, steps: 0 };
    let windowLoss: number | null = null;
    let order = { epoch: -1, indices: [] as number[] };
    while (step < config.steps && !(await world.stopped(options.signal))) {
      // 4a. the batch: the step gives the epoch and the position in its seeded order
      const epoch = Math.floor(step / batchesPerEpoch);
      if (order.epoch !== epoch)
        order = { epoch, indices: epochOrder("prm", trainRows.length, config.seed, epoch) };
      const start = (step % batchesPerEpoch) * config.batchSize;
      const mb = order.indices.slice(start, start + config.batchSize).map((i) => trainRows[i]!);

      // 4b. one optimiser step. Data-parallel: a rank's loss divides its share's sum by the whole batch's
      // count of steps, so the summed gradients are the batch mean's.
      o.lr = schedule(step);
      const rows = world.share(mb);
      let loss = scope(() => {
        if (rows.length === 0) return 0;
        const { values } = stepEndOutputs(m, rows, tokenizer.padId); // (B, K) raw outputs at step ends
        const l = prmLoss(values, rows, config.loss, countedSteps(mb, config.loss));
        l.backward();
        return l.item();
      });
      const gradNorm = await optimiserStep(world, mp, o, config.gradClip);
      [loss] = await world.sum([loss]);
      step += 1;
      window = { loss: window.loss + loss, steps: window.steps + 1 };

      // 4c. held-out evaluation
      const last = step === config.steps;
      const evaluated = heldRows.length > 0 && (step % config.evalEvery === 0 || last) && world.isMain;
      if (evaluated) evaluation = evaluate(m, heldRows, config, tokenizer.padId);

      // 4d. metrics: the mean training loss since the previous row, and the held-out metrics when evaluated
      if (step % config.logEvery === 0 || last || evaluated) {
        windowLoss = window.loss / window.steps;
        run.log({
          step,
          epoch: step / batchesPerEpoch,
          loss: windowLoss,
          lr: o.lr,
          gradNorm,
          ...(evaluated && evaluation
            ? { heldOutLoss: evaluation.loss, ...flatMetrics(evaluation.metrics, "heldOut") }
            : {}),
        });
        window = { loss: 0, steps: 0 };
      }

      // 4e. checkpoint
      if (step % config.checkpointEvery === 0 || last) checkpoints.save(step);

      options.onProgress?.({ step, steps: config.steps, loss, lr: o.lr });
      bar?.update(step, {
        loss,
        ...(evaluation?.metrics.auc != null ? { auc: evaluation.metrics.auc } : {}),
      });
      await nextTurn();
    }

    // 5. stopped early, or nothing was left to do: the current state is the newest checkpoint, evaluated
    const checkpoint = checkpoints.finish(step);
    if (!evaluation && heldRows.length > 0 && world.isMain)
      evaluation = evaluate(m, heldRows, config, tokenizer.padId);
    if (evaluation) writeHeldOutScores(runDir, heldRows, evaluation.scores);
    bar?.done();
    if (window.steps > 0) windowLoss = window.loss / window.steps;
    return {
      checkpoint,
      step,
      stopped: step < config.steps,
      loss: windowLoss,
      heldOutLoss: evaluation?.loss ?? null,
      heldOut: evaluation?.metrics ?? null,
      records: {
        train: trainRows.length,
        heldOut: heldRows.length,
        unselected: train.length - selected.length,
        skipped,
      },
      problems,
    };
  } finally {
    run.close();
    opt?.dispose();
    precision?.dispose();
    model?.dispose();
  }
}

/**
 * The loss of a batch from raw outputs (B, K) at its step ends: mean over the steps that count of
 * (output − label)² (mse; every step, neutral ones toward 0), or of BCE(output as logit, label = +1)
 * (bce; ±1 steps only). `count`: the steps that count in the whole batch, when `rows` are a rank's share of it.
 */
function prmLoss(
  values: Tensor,
  rows: readonly Example[],
  loss: PrmLoss,
  count = countedSteps(rows, loss),
): Tensor {
  const [b, k] = values.shape as [number, number];
  const target = new Float32Array(b * k);
  const weight = new Float32Array(b * k);
  rows.forEach((row, i) =>
    row.labels.forEach((label, j) => {
      target[i * k + j] = loss === "mse" ? label : (label + 1) / 2;
      weight[i * k + j] = loss === "mse" || label !== 0 ? 1 : 0;
    }),
  );
  return scope(() => {
    const t = tensor(target, { shape: [b, k] });
    const w = tensor(weight, { shape: [b, k] });
    const perStep =
      loss === "mse" ? values.sub(t).square() : F.binaryCrossEntropyWithLogits(values, t, "none"); // (B, K)
    return perStep.mul(w).sum().div(Math.max(1, count));
  });
}

/** The steps whose loss counts in `rows`: all with mse, the ±1 ones with bce. */
function countedSteps(rows: readonly Example[], loss: PrmLoss): number {
  return rows.reduce((n, r) => n + r.labels.filter((l) => loss === "mse" || l !== 0).length, 0);
}

/** A held-out evaluation: loss, metrics, and each row's step scores on the label scale. */
interface Evaluation {
  loss: number;
  metrics: PrmMetrics;
  scores: number[][];
}

/** Held-out loss (per counted step) and metrics, without gradients. */
function evaluate(model: Llama, rows: readonly Example[], config: PrmConfig, padId: number): Evaluation {
  const scored: ScoredStep[] = [];
  const scores: number[][] = [];
  let lossSum = 0;
  let counted = 0;
  model.eval();
  noGrad(() => {
    for (let i = 0; i < rows.length; i += config.batchSize) {
      const mb = rows.slice(i, i + config.batchSize);
      const { flat, loss } = scope(() => {
        const { values } = stepEndOutputs(model, mb, padId);
        return { flat: values.toFlatArray(), loss: prmLoss(values, mb, config.loss).item() };
      });
      const k = flat.length / mb.length;
      const steps = mb.reduce(
        (n, r) => n + (config.loss === "mse" ? r.labels.length : r.labels.filter((l) => l !== 0).length),
        0,
      );
      lossSum += loss * Math.max(1, steps);
      counted += steps;
      mb.forEach((row, b) => {
        const rowScores = row.labels.map((_, j) => toLabelScale(flat[b * k + j]!, config.loss));
        row.labels.forEach((label, j) => scored.push({ label, position: j, score: rowScores[j]! }));
        scores.push(rowScores);
      });
    }
  });
  model.train();
  return { loss: counted > 0 ? lossSum / counted : 0, metrics: prmMetrics(scored), scores };
}

/**
 * heldout-scores.jsonl: each held-out record's steps, labels and the final PRM's scores (label scale), so
 * a reader (the HTML report) can look at what the PRM says line by line on problems it never trained on.
 */
function writeHeldOutScores(runDir: string, rows: readonly Example[], scores: readonly number[][]): void {
  const lines = rows.map((row, i) => {
    const r = row.record;
    return JSON.stringify({
      problemId: r.problemId,
      prompt: r.prompt,
      steps: r.steps,
      labels: r.labels,
      scores: scores[i]!.map((s) => Math.round(s * 1e4) / 1e4),
      kind: r.kind,
      ...(r.promptKind ? { promptKind: r.promptKind } : {}),
      method: r.method,
    });
  });
  writeFileAtomic(join(runDir, heldOutScoresFile), lines.map((l) => l + "\n").join(""));
}

/**
 * Records split by problem: a seeded floor(problems · fraction) of the problems (at least one when the
 * fraction is positive and there are two or more) are held out with all their records. Both parts keep
 * the records' order.
 */
function splitByProblem(records: readonly LabelRecord[], fraction: number, seed: number) {
  const ids = [...new Set(records.map((r) => r.problemId))].sort();
  const wanted = fraction > 0 && ids.length >= 2 ? Math.max(1, Math.floor(ids.length * fraction)) : 0;
  const heldIds = new Set(
    shuffled(ids.length, `prm/${seed}/split`)
      .slice(0, wanted)
      .map((i) => ids[i]!),
  );
  return {
    train: records.filter((r) => !heldIds.has(r.problemId)),
    held: records.filter((r) => heldIds.has(r.problemId)),
    problems: { train: ids.length - heldIds.size, heldOut: heldIds.size },
  };
}

/** All `records` train; `evalRecords`, of other problems, are scored (a problem in both is refused). */
function apartFrom(records: readonly LabelRecord[], evalRecords: LabelRecord[]) {
  const trainIds = new Set(records.map((r) => r.problemId));
  const shared = evalRecords.find((r) => trainIds.has(r.problemId));
  if (shared)
    throw new ConfigError(
      `prm: problem ${shared.problemId} is in both the training and the evaluation labels; evaluate on problems the PRM does not train on`,
    );
  return {
    train: [...records],
    held: evalRecords,
    problems: { train: trainIds.size, heldOut: new Set(evalRecords.map((r) => r.problemId)).size },
  };
}

/** Checks a JSON type check cannot make; the error names the field. */
export function checkPrmConfig(c: PrmConfig): void {
  const fail = configFailure("prm");
  if (c.init === null)
    fail("init", "a checkpoint folder (a policy or value model to start from; --init)", c.init);
  if (c.loss !== "mse" && c.loss !== "bce") fail("loss", `"mse" or "bce"`, c.loss);
  if (!selectionStrategies.includes(c.select))
    fail(
      "select",
      selectionStrategies
        .map((s) => `"${s}"`)
        .join(", ")
        .replace(/, ([^,]*)$/, " or $1"),
      c.select,
    );
  checkPositiveIntegers({ maxLength: c.maxLength, batchSize: c.batchSize, steps: c.steps }, fail);
  checkStepTrainerSettings(c, fail);
  checkPrecision(c, fail);
  if (!(c.heldOutFraction >= 0 && c.heldOutFraction < 1))
    fail("heldOutFraction", "in [0, 1)", c.heldOutFraction);
}
