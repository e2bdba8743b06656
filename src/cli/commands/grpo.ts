/** `linewise grpo`: GRPO or RLOO of a policy on training problems with unit-test outcomes and, optionally, PRM process rewards. */
import { readFileSync } from "node:fs";
import { problemFormats } from "../../problems/loaders/index.js";
import {
  grpoPresets,
  refuseValueInit,
  trainGrpo,
  type GrpoConfig,
  type GrpoPresetName,
} from "../../train/grpo.js";
import { parseOptions } from "../args.js";
import { nprocHelp, nprocOption } from "../launch.js";
import { executorHelp, executorOptions } from "../executor-option.js";
import { UsageError, type Command } from "../command.js";
import {
  countOption,
  flagReaders,
  readConfigFile,
  resumableFlags,
  resumableHelp,
  resumableOptions,
  resumedRunConfig,
  runRlCommand,
} from "../training.js";

const name = "grpo";

const presetNames = Object.keys(grpoPresets) as GrpoPresetName[];

const help = `Usage: linewise grpo --policy CKPT --problems FILE --out RUN [--algo grpo|rloo] [--prm CKPT]
                     [--preset grpo|dr-grpo|rloo|grpo-psgpo|grpo-steps] [--dense-reward on|off]
                     [--process-reward psgpo|steps] [--reward binary|compiler|fraction]
                     [--kl-penalty loss|reward] [--beta X] [--scale-rewards on|off]
                     [--loss-averaging sequence|token|constant] [--seed N] [--iterations N]
                     [--chat-template auto|FILE] [--gradient-checkpointing on|off]
                     [--precision float32|bfloat16] [--nproc N]
                     [--config FILE] [--resume]

GRPO and RLOO, the critic-free trainers: each iteration samples a group of responses to each training
problem, runs them against the unit tests in the sandbox, and updates the policy with the clipped loss,
each response's advantage being its reward relative to its group's — GRPO (r − mean)/std (or, as Dr. GRPO,
without the std), RLOO r minus the mean of the others. There is no value model. Rollouts, scoring and the
KL to the starting policy are PPO's code; PRM rewards enter as PSGPO's λ(o)·PRM_i/L summed into the
reward, or as process-supervised GRPO (DeepSeekMath §4.1.3: step rewards normalised over the group, each
token advantaged by the sum from its step on). Metrics as 'linewise ppo' (without the value model's), plus
zeroStdGroups (groups whose rewards are all equal: no signal) and refKl. Progress goes to stderr; the final
checkpoint (the trained policy) is printed on stdout. Ctrl-C stops after the current iteration and writes a
checkpoint, so the run can be resumed.

Options:
  --policy CKPT        the policy to train (e.g. an SFT checkpoint); also the frozen KL reference
  --problems FILE      training problems (any format 'linewise eval' reads)
  --format F           the file's format when detection is not wanted:
                       ${problemFormats.join(", ")}
  --out RUN            the run folder: config.json, metrics.jsonl, TensorBoard events, samples/,
                       checkpoints/step-N/ (the policy checkpoint, its optimiser state)
  --algo A             grpo or rloo (without --preset, rloo picks the rloo preset)
  --prm CKPT           a PRM checkpoint from 'linewise train-prm' (dense rewards)
  --preset NAME        the recipe the flags below adjust (default grpo):
                         grpo        binary outcome, (r − mean)/std, β·k3 in the loss, per-sequence mean
                         dr-grpo     Dr. GRPO: no std, sum / (responses × maxNewTokens), no KL
                         rloo        leave-one-out baseline, β·Σ KL subtracted from the reward
                         grpo-psgpo  grpo + Σ λ(o)·PRM_i/L over the lines in the reward (needs --prm)
                         grpo-steps  grpo + process-supervised step advantages (needs --prm)
  --dense-reward on|off  PRM process rewards
  --process-reward P   psgpo (λ(o)·PRM_i/L summed into the reward) or steps (DeepSeekMath §4.1.3)
  --reward R           outcome reward: binary, compiler (CodeRL levels) or fraction (tests passed)
  --kl-penalty K       loss (β·k3 per token in the loss, GRPO) or reward (β·Σ k1 off the reward, RLOO)
  --beta X             the KL coefficient β
  --scale-rewards on|off  GRPO: divide advantages by the group's std (off: Dr. GRPO)
  --loss-averaging A   sequence (GRPO), token (DAPO) or constant (Dr. GRPO)
  --seed N             seeds every iteration's problems, samples and minibatches
  --iterations N       iterations; with --resume it may extend the run
  --chat-template T    prompt a chat policy through a chat template: auto (the policy checkpoint's own)
                       or a .jinja FILE; the reply opens with the prompt's code, so the response still
                       continues it; none (default): the prompt as it is
${resumableHelp}
${nprocHelp(23)}
  --config FILE        JSON fields laid over the preset, e.g. {"samplesPerProblem": 8, "policyLr": 5e-5}
  --resume             continue RUN from its newest checkpoint with the config in RUN/config.json
${executorHelp(23)}

Config fields and defaults of the grpo preset (each field is documented in src/train/grpo.ts, GrpoConfig):
${Object.entries(grpoPresets.grpo)
  .map(([field, value]) => `  ${field}: ${JSON.stringify(value)}`)
  .join("\n")}

Example:
  linewise grpo --policy runs/sft/checkpoints/step-600 \\
    --problems runs/demo/suite/train.jsonl --out runs/grpo
  linewise grpo --algo rloo --policy runs/sft/checkpoints/step-600 \\
    --problems runs/demo/suite/train.jsonl --out runs/rloo --iterations 20
  linewise grpo --preset grpo-steps --prm runs/prm/checkpoints/step-400 --policy runs/sft/checkpoints/step-600 \\
    --problems runs/demo/suite/train.jsonl --out runs/grpo-steps`;

export const grpoCommand: Command = {
  name,
  summary: "GRPO or RLOO of a policy (no value model) with unit-test outcomes and PRM process rewards",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      policy: { type: "string" },
      problems: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      algo: { type: "string" },
      prm: { type: "string" },
      preset: { type: "string" },
      "dense-reward": { type: "string" },
      "process-reward": { type: "string" },
      "value-init": { type: "string" },
      reward: { type: "string" },
      "kl-penalty": { type: "string" },
      beta: { type: "string" },
      "scale-rewards": { type: "string" },
      "loss-averaging": { type: "string" },
      seed: { type: "string" },
      iterations: { type: "string" },
      "chat-template": { type: "string" },
      ...resumableOptions,
      config: { type: "string" },
      resume: { type: "boolean" },
      ...executorOptions,
      ...nprocOption,
    });
    if (values["value-init"] !== undefined)
      throw new UsageError(
        `linewise ${name}: --value-init: GRPO and RLOO have no value model to initialise; drop it, or use linewise ppo for PSGPO's ValueInit`,
      );
    const flags = configFlags(values);
    return runRlCommand(
      name,
      values,
      (resuming, out) =>
        resuming
          ? resumedRunConfig(name, out, grpoPresets.grpo, values, flags, ["policy", "prm"])
          : newConfig(values.preset, values.config, values.policy!, values.prm, flags),
      trainGrpo,
      argv,
    );
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** The config fields set by flags (not --policy/--prm, which are handled on their own), checked one by one. */
function configFlags(values: Values): Partial<GrpoConfig> {
  const { choice, onOff, number, chatTemplate } = flagReaders(name, values);
  const flags: Partial<GrpoConfig> = {
    algo: choice("algo", ["grpo", "rloo"] as const),
    denseReward: onOff("dense-reward"),
    processReward: choice("process-reward", ["psgpo", "steps"] as const),
    outcomeReward: choice("reward", ["binary", "compiler", "fraction"] as const),
    klPenalty: choice("kl-penalty", ["loss", "reward"] as const),
    beta: number("beta"),
    scaleRewards: onOff("scale-rewards"),
    lossAveraging: choice("loss-averaging", ["sequence", "token", "constant"] as const),
    seed: number("seed"),
    chatTemplate: chatTemplate(),
    ...resumableFlags(name, values),
    iterations: countOption(name, "iterations", values.iterations as string | undefined),
  };
  if (flags.seed !== undefined && !Number.isInteger(flags.seed))
    throw new UsageError(`linewise ${name}: --seed expects an integer, got '${values.seed}'`);
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

/** A new run's config: the preset (rloo's when only --algo rloo is given), --config's fields over it, then the flags and checkpoints. */
function newConfig(
  preset: string | undefined,
  configFile: string | undefined,
  policy: string,
  prm: string | undefined,
  flags: Partial<GrpoConfig>,
): GrpoConfig {
  const presetName = (preset ?? (flags.algo === "rloo" ? "rloo" : "grpo")) as GrpoPresetName;
  if (!presetNames.includes(presetName))
    throw new UsageError(
      `linewise ${name}: --preset expects one of ${presetNames.join(", ")}, got '${preset}'`,
    );
  let config = grpoPresets[presetName];
  if (configFile !== undefined) {
    try {
      refuseValueInit(JSON.parse(readFileSync(configFile, "utf8")), configFile);
    } catch (e) {
      if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code) {
        // readConfigFile reports unreadable and malformed files in its own words
      } else throw new UsageError((e as Error).message);
    }
    config = readConfigFile(config, configFile, "GRPO");
  }
  config = { ...config, ...flags, policy, prm: prm ?? config.prm };
  if (config.prm === null && config.denseReward)
    throw new UsageError(
      `linewise ${name}: the ${presetName} preset as set uses dense rewards; pass --prm CKPT, or --dense-reward off`,
    );
  return config;
}
