/**
 * What the RL trainers (ppo.ts, grpo.ts) share around their algorithm, so that each trainer file reads as
 * its numbered phases: the run folder and its resume checks (checkpoint.ts), the models it owns and
 * disposes of, the optimisers restored on resume and saved with every checkpoint, the problems whose
 * prompts fit the policy, the progress bar, and what ends an iteration — the metrics row, the samples,
 * the checkpoint, the caller's hook and the pause that lets Ctrl-C stop the run.
 */
import { join } from "node:path";
import type { AdamW } from "../torch/index.js";
import { saveCheckpoint, type Llama, type LoraConfig } from "../model/index.js";
import { Tokenizer } from "../model/tokenizer/index.js";
import { createExecutor, type SandboxExecutor } from "../exec/index.js";
import type { Problem } from "../problems/types.js";
import { Progress, type MetricsRow, type RunFolder } from "../runs/index.js";
import { Checkpoints, loadOptimizer, nextTurn, openTrainingRun, saveOptimizer } from "./checkpoint.js";
import { problemsData, usableProblems } from "./rollout.js";
import { promptingFor, type Prompting } from "./prompting.js";
import type { MixedPrecision, Precision } from "./mixed-precision.js";
import { DataParallel } from "./distributed.js";

/** The config fields every RL trainer has: those the session reads, and the policy optimiser's. */
export interface RlSessionConfig {
  /** The starting policy's checkpoint folder (the SFT policy); it is also the frozen reference. */
  policy: string | null;
  /** With the iteration number, seeds every iteration's problems, samples and minibatch order. */
  seed: number;
  /** Iterations: roll out, score, update. */
  iterations: number;
  /**
   * Prompt a chat model through a chat template (prompting.ts): "auto" (the policy checkpoint's own) or a
   * .jinja file; null: the prompt as it is (a base model).
   */
  chatTemplate: string | null;

  /** AdamW's decoupled weight decay (TRL's default 0). */
  weightDecay: number;
  /** AdamW's moment decay rates (PyTorch's default 0.9, 0.999). */
  betas: [number, number];
  /** Gradients of each trained model are scaled down to this global L2 norm (TRL max_grad_norm 1, CleanRL 0.5); 0 turns clipping off. */
  gradClip: number;
  /**
   * Recompute each decoder layer in the backward instead of keeping its activations (gradient
   * checkpointing, as transformers' gradient_checkpointing_enable): less memory for about one more
   * forward pass per step; the gradients are the same. A resumed run may turn it on or off.
   */
  gradientCheckpointing: boolean;
  /**
   * "float32", or "bfloat16": every model (policy, value, reference, PRM) computes in bf16 while AdamW
   * updates float32 master weights of the trained ones (mixed-precision.ts); checkpoints stay float32.
   * A resumed run may change it.
   */
  precision: Precision;
  /**
   * LoRA on the policy (src/model/lora.ts): r > 0 trains rank-r adapters on `targetModules` with the base
   * frozen; checkpoints hold the merged weights and the adapters in PEFT's layout (`adapter/`). r = 0
   * (the default): every weight trains.
   */
  lora: LoraConfig;

  /** Write checkpoints/step-N every this many iterations, and after the last. */
  checkpointEvery: number;
  /** How many of the newest checkpoints are kept. */
  keepCheckpoints: number;
  /** Write samples/iteration-N.jsonl (every rollout with its verdict and rewards) every this many iterations; 0: never. */
  samplesEvery: number;
}

export interface RlSessionOptions<M> {
  /** Continue from the run folder's newest checkpoint when it has one; without it a used folder is refused. */
  resume?: boolean;
  /** Stops at the next iteration boundary, after writing a checkpoint there. */
  signal?: AbortSignal;
  /** No progress line on stderr. */
  quiet?: boolean;
  /** Called after every iteration with its metrics row. */
  onIteration?: (metrics: M) => void;
  /** The sandbox to run rollouts in; default: one made for this run (and closed after it). */
  executor?: SandboxExecutor;
  /** The data-parallel ranks this process trains with (distributed.ts); default: one process. */
  world?: DataParallel;
}

export interface RlResult<M> {
  /** The newest checkpoint folder: the policy (with its tokenizer), and the trainer's other models. */
  checkpoint: string;
  iteration: number;
  /** True when `signal` stopped the run before `iterations`. */
  stopped: boolean;
  /** The metrics rows of the iterations run in this session. */
  metrics: M[];
}

/** A model the trainer updates, saved in a checkpoint as `folder` ("" for the checkpoint folder itself) with its optimiser. */
export interface TrainedModel {
  /** Its optimiser's state is saved as `<name>-optimizer.safetensors` and its step as trainer.json's `<name>OptimizerStep`. */
  name: string;
  model: Llama;
  optimizer: AdamW;
  folder: string;
  /** Writes the model into a checkpoint folder; default: saveCheckpoint (a LoRA policy also writes its adapters, policy.ts). */
  save?: (dir: string, tokenizer: Tokenizer) => void;
  /** Its float32 master weights under mixed precision: checkpoints are written from them. */
  precision: MixedPrecision;
}

/** An iteration's metrics row (plain figures, `step` the iteration), with those its progress line shows. */
interface IterationRow {
  step: number;
  passRate: number;
  totalReward: number;
  kl: number;
}

export class RlSession<M extends IterationRow> {
  readonly tokenizer: Tokenizer;
  readonly run: RunFolder;
  /** The checkpoint the run continues from, or null for a new run. */
  readonly resumed: RunFolder["resumedFrom"];
  readonly executor: SandboxExecutor;
  /** How the policy is shown each problem: as it is, or through its chat template. */
  readonly prompting: Prompting;
  /** Iterations completed, counting those of the run this one resumes. */
  iteration: number;
  /** The metrics rows of this session's iterations. */
  readonly rows: M[] = [];
  /** The data-parallel ranks: rank 0 writes metrics, samples and checkpoints. */
  readonly world: DataParallel;
  private readonly owned: { dispose(): void }[] = [];
  private readonly data;
  private checkpoints: Checkpoints | null = null;
  private bar: Progress | null = null;

  /**
   * Opens `runDir` for `config` (a resumed run must be the same training on the same problems; only its
   * length may change), after `check` has accepted the policy's tokenizer: a config refused writes nothing.
   */
  constructor(
    private readonly label: string,
    private readonly config: RlSessionConfig,
    problems: readonly Problem[],
    runDir: string,
    private readonly options: RlSessionOptions<M>,
    check: (tokenizer: Tokenizer) => void = () => {},
  ) {
    this.tokenizer = Tokenizer.load(config.policy!);
    check(this.tokenizer);
    this.prompting = promptingFor(config.chatTemplate, config.policy!, label);
    this.data = problemsData(problems);
    this.world = options.world ?? DataParallel.single;
    this.run = openTrainingRun(runDir, config, {
      resume: options.resume,
      lengthField: "iterations",
      data: this.data,
      world: this.world,
    });
    this.resumed = this.run.resumedFrom;
    this.iteration = this.resumed?.step ?? 0;
    this.executor = options.executor ?? createExecutor({ cacheDir: null });
  }

  /** Disposes of `x` when the session closes. */
  own<T extends { dispose(): void }>(x: T): T {
    this.owned.push(x);
    return x;
  }

  /**
   * Restores the trained models' optimisers when resuming, prepares their checkpoints, and opens the
   * progress bar with `describe(usable)` as its first line; returns the problems whose prompts fit the
   * policy's context (rollout.ts).
   */
  start(
    trained: readonly TrainedModel[],
    problems: readonly Problem[],
    describe: (usable: Problem[]) => string,
  ): Problem[] {
    const file = (m: TrainedModel) => `${m.name}-optimizer.safetensors`;
    if (this.resumed) for (const m of trained) loadOptimizer(join(this.resumed.dir, file(m)), m.optimizer);
    this.checkpoints = new Checkpoints(
      this.run,
      this.config.keepCheckpoints,
      (dir) => {
        for (const m of trained) {
          const folder = join(dir, m.folder);
          m.precision.withMasterWeights(() =>
            m.save ? m.save(folder, this.tokenizer) : saveCheckpoint(folder, m.model, this.tokenizer),
          );
        }
        for (const m of trained) saveOptimizer(join(dir, file(m)), m.optimizer);
      },
      () => ({
        ...Object.fromEntries(trained.map((m) => [`${m.name}OptimizerStep`, m.optimizer.step])),
        seed: this.config.seed,
        problems: this.data.fingerprint,
      }),
    );
    const usable = usableProblems(problems, trained[0]!.model, this.tokenizer, this.label, this.prompting);
    this.bar =
      this.options.quiet || !this.world.isMain
        ? null
        : new Progress({
            label: this.label,
            total: this.config.iterations,
            start: this.iteration,
            unit: "it",
          });
    this.bar?.log(
      `${this.label}: ${describe(usable)}` +
        (this.resumed ? `; resuming at iteration ${this.iteration}` : ""),
    );
    return usable;
  }

  /**
   * Whether another iteration is due: the run is short of `iterations` and its signal has not stopped it,
   * agreed by every data-parallel rank (a Ctrl-C heard by one stops all at the same iteration).
   */
  async continues(): Promise<boolean> {
    return this.iteration < this.config.iterations && !(await this.world.stopped(this.options.signal));
  }

  /**
   * Ends an iteration: counts it, logs `row(iteration)`, writes samples (`writeSamples(iteration)`) and a
   * checkpoint when they are due, calls the caller's hook, updates the bar, and pauses for Ctrl-C.
   */
  async endIteration(
    row: (iteration: number) => M,
    writeSamples: (iteration: number) => void,
  ): Promise<void> {
    const iteration = ++this.iteration;
    const metrics = row(iteration);
    this.run.log({ ...(metrics as unknown as MetricsRow) });
    this.rows.push(metrics);
    const last = iteration === this.config.iterations;
    if (
      this.world.isMain &&
      this.config.samplesEvery > 0 &&
      (iteration % this.config.samplesEvery === 0 || last)
    )
      writeSamples(iteration);
    if (iteration % this.config.checkpointEvery === 0 || last) this.checkpoints!.save(iteration);
    this.options.onIteration?.(metrics);
    this.bar?.update(iteration, { pass: metrics.passRate, reward: metrics.totalReward, kl: metrics.kl });
    await nextTurn();
  }

  /** The result; stopped early, or with nothing left to do, the current state is written as the newest checkpoint. */
  finish(): RlResult<M> {
    const checkpoint = this.checkpoints!.finish(this.iteration);
    this.bar?.done();
    return {
      checkpoint,
      iteration: this.iteration,
      stopped: this.iteration < this.config.iterations,
      metrics: this.rows,
    };
  }

  /** Closes the run folder, disposes of the owned models and optimisers, and closes a sandbox it made. */
  async close(): Promise<void> {
    this.run.close();
    for (const x of this.owned.reverse()) x.dispose();
    if (!this.options.executor) await this.executor.close();
  }
}
