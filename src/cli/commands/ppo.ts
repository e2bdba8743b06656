/** `linewise ppo`: PPO of a policy on training problems with unit-test outcomes and, optionally, PRM process rewards. */
import { problemFormats } from "../../problems/loaders/index.js";
import { ppoPresets, trainPpo, type PpoConfig, type PpoPresetName } from "../../train/ppo.js";
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

const name = "ppo";

const presetNames = Object.keys(ppoPresets) as PpoPresetName[];

const help = `Usage: linewise ppo --policy CKPT --problems FILE --out RUN [--prm CKPT] [--preset psgpo|prlcoder|baseline]
                    [--dense-reward on|off] [--value-init prm|policy] [--reward binary|compiler|fraction]
                    [--lambda-pass X] [--lambda-fail X] [--beta X] [--seed N] [--iterations N]
                    [--chat-template auto|FILE] [--gradient-checkpointing on|off]
                    [--precision float32|bfloat16] [--nproc N]
                    [--config FILE] [--resume]

PPO on training problems: each iteration samples responses from the policy, runs them against the unit
tests in the sandbox, and updates the policy and a separate value model with the clipped PPO losses. Every
token is rewarded −β·KL against the starting policy, the last token gets the outcome reward, and with dense
rewards each line (or block) end gets the PRM's score: λ(o)·PRM/L (PSGPO) or PRM (PRLCoder). Metrics per
iteration (pass rate, outcome and process reward, KL, approxKl, clipFrac, entropy, valueLoss, policyLoss,
response length, lines per response, share of comment lines) go to RUN/metrics.jsonl and TensorBoard.
Progress goes to stderr; the final checkpoint folder (the trained policy) is printed on stdout. Ctrl-C
stops after the current iteration and writes a checkpoint, so the run can be resumed.

Options:
  --policy CKPT        the policy to train (e.g. an SFT checkpoint); also the frozen KL reference
  --problems FILE      training problems (any format 'linewise eval' reads)
  --format F           the file's format when detection is not wanted:
                       ${problemFormats.join(", ")}
  --out RUN            the run folder: config.json, metrics.jsonl, TensorBoard events, samples/,
                       checkpoints/step-N/ (the policy checkpoint, value/, optimiser states)
  --prm CKPT           a PRM checkpoint from 'linewise train-prm' (dense rewards, value init)
  --preset NAME        the recipe the flags below adjust (default psgpo):
                         psgpo     binary outcome + λ(o)·PRM_i/L at line ends, value model from the PRM
                         prlcoder  compiler-feedback outcome + PRM_i at line ends, value model from the policy
                         baseline  binary outcome only, value model from the policy (PSGPO's RL baseline)
  --dense-reward on|off  PRM process rewards at step ends
  --value-init prm|policy  start the value model from the PRM or from the policy (fresh scalar head)
  --reward R           outcome reward: binary, compiler (CodeRL levels) or fraction (tests passed)
  --lambda-pass X      λ_pass, the PSGPO process-reward weight on passing rollouts
  --lambda-fail X      λ_fail, the weight on failing rollouts
  --beta X             the per-token KL coefficient β
  --seed N             seeds the value head and every iteration's problems, samples and minibatches
  --iterations N       PPO iterations; with --resume it may extend the run
  --chat-template T    prompt a chat policy through a chat template: auto (the policy checkpoint's own)
                       or a .jinja FILE; the reply opens with the prompt's code, so the response still
                       continues it; none (default): the prompt as it is
${resumableHelp}
${nprocHelp(23)}
  --config FILE        JSON fields laid over the preset, e.g. {"problemsPerIteration": 32, "policyLr": 5e-5}
  --resume             continue RUN from its newest checkpoint with the config in RUN/config.json
${executorHelp(23)}

Config fields and defaults of the psgpo preset (each field is documented in src/train/ppo.ts, PpoConfig):
${Object.entries(ppoPresets.psgpo)
  .map(([field, value]) => `  ${field}: ${JSON.stringify(value)}`)
  .join("\n")}

Example:
  linewise ppo --policy runs/sft/checkpoints/step-600 --prm runs/prm/checkpoints/step-400 \\
    --problems runs/demo/suite/train.jsonl --out runs/ppo-psgpo
  linewise ppo --policy runs/sft/checkpoints/step-600 --preset baseline \\
    --problems runs/demo/suite/train.jsonl --out runs/ppo-baseline --iterations 20
  tensorboard --logdir runs`;

export const ppoCommand: Command = {
  name,
  summary: "PPO of a policy with unit-test outcomes and PRM process rewards (PSGPO, PRLCoder, RL baseline)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      policy: { type: "string" },
      problems: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      prm: { type: "string" },
      preset: { type: "string" },
      "dense-reward": { type: "string" },
      "value-init": { type: "string" },
      reward: { type: "string" },
      "lambda-pass": { type: "string" },
      "lambda-fail": { type: "string" },
      beta: { type: "string" },
      seed: { type: "string" },
      iterations: { type: "string" },
      "chat-template": { type: "string" },
      ...resumableOptions,
      config: { type: "string" },
      resume: { type: "boolean" },
      ...executorOptions,
      ...nprocOption,
    });
    const flags = configFlags(values);
    return runRlCommand(
      name,
      values,
      (resuming, out) =>
        resuming
          ? resumedRunConfig(name, out, ppoPresets.psgpo, values, flags, ["policy", "prm"])
          : newConfig(values.preset, values.config, values.policy!, values.prm, flags),
      trainPpo,
      argv,
    );
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** The config fields set by flags (not --policy/--prm/--iterations, which are handled on their own), checked one by one. */
function configFlags(values: Values): Partial<PpoConfig> {
  const { choice, onOff, number, chatTemplate } = flagReaders(name, values);
  const flags: Partial<PpoConfig> = {
    denseReward: onOff("dense-reward"),
    valueInit: choice("value-init", ["prm", "policy"] as const),
    outcomeReward: choice("reward", ["binary", "compiler", "fraction"] as const),
    lambdaPass: number("lambda-pass"),
    lambdaFail: number("lambda-fail"),
    beta: number("beta"),
    seed: number("seed"),
    chatTemplate: chatTemplate(),
    ...resumableFlags(name, values),
  };
  const iterations = countOption(name, "iterations", values.iterations as string | undefined);
  if (flags.seed !== undefined && !Number.isInteger(flags.seed))
    throw new UsageError(`linewise ${name}: --seed expects an integer, got '${values.seed}'`);
  return Object.fromEntries(Object.entries({ ...flags, iterations }).filter(([, v]) => v !== undefined));
}

/** A new run's config: the preset, --config's fields over it, then the flags and checkpoints. */
function newConfig(
  preset: string | undefined,
  configFile: string | undefined,
  policy: string,
  prm: string | undefined,
  flags: Partial<PpoConfig>,
): PpoConfig {
  const presetName = (preset ?? "psgpo") as PpoPresetName;
  if (!presetNames.includes(presetName))
    throw new UsageError(
      `linewise ${name}: --preset expects one of ${presetNames.join(", ")}, got '${preset}'`,
    );
  let config = ppoPresets[presetName];
  if (configFile !== undefined) config = readConfigFile(config, configFile, "PPO");
  config = { ...config, ...flags, policy, prm: prm ?? config.prm };
  if (config.prm === null && (config.denseReward || config.valueInit === "prm")) {
    const needs = [
      config.denseReward ? "dense rewards" : "",
      config.valueInit === "prm" ? "the PRM value init" : "",
    ]
      .filter(Boolean)
      .join(" and ");
    throw new UsageError(
      `linewise ${name}: the ${presetName} preset as set uses ${needs}; pass --prm CKPT, or --preset baseline (or --dense-reward off --value-init policy)`,
    );
  }
  return config;
}
