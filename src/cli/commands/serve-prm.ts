/** `linewise serve-prm`: a PRM as a remote reward model (OpenRLHF's protocol) with a per-step route (verl). */
import { psgpoPreset } from "../../train/ppo.js";
import { PrmScorer } from "../../train/prm-scorer.js";
import { prmRoutes, PrmServer } from "../../server/prm-server.js";
import type { RewardRule } from "../../server/reward-protocol.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import {
  batchOptions,
  batchSettings,
  serveHelp,
  serveOptions,
  serveSettings,
  serveUntilStopped,
} from "../serve-options.js";

const name = "serve-prm";

const help = `Usage: linewise serve-prm --prm CKPT [--reward psgpo|last] [--lambda-pass X] [--lambda-fail X]
                          [--granularity line|block] [--port P] [--host HOST] [--token T]
                          [--max-batch N] [--batch-window MS]

Serves a PRM from 'linewise train-prm' as a remote reward model: OpenRLHF's protocol
(--remote_rm_url http://HOST:PORT/get_reward) and a per-step route for dense rewards (verl).
Responses are split into lines (or blocks) as 'linewise ppo' splits them and each step is scored on the
label scale (+1 correct, −1 wrong). Requests that arrive together share the PRM's batches. Prints the URL
on stdout once listening; Ctrl-C (or SIGTERM) answers the requests in flight, then exits.

Routes:
  POST ${prmRoutes.reward}   OpenRLHF: {query: [prompt + response, …], prompts: [prompt, …], labels: [...]}
                      → {rewards, scores (= rewards), extra_logs: {prm_mean, prm_min, prm_last, prm_steps},
                      step_scores: [[score per step], …]}. The response is what follows the prompt in the
                      query (a trailing eos or pad token is dropped). Any other POST path but ${prmRoutes.steps} is
                      answered the same way.
  POST ${prmRoutes.steps}    {prompts: [...], responses: [...]} → {results: [{steps: [{text, end, score,
                      neutral}]}]}: end is the character offset in the response just past the step
                      (steps concatenate to the response); neutral steps (blank, comment, docstring)
                      earn 0 in the psgpo reward
A malformed request gets HTTP 400 with {"error": {"message", "param"}} naming the field.

Options:
  --prm CKPT        a PRM checkpoint folder from 'linewise train-prm'
  --reward R        how step scores become a response's reward:
                      psgpo  Σ λ(o)·PRM_i / L over the lines (PSGPO §4.2; neutral lines 0), with the
                             outcome o from labels[i]: "pass" or "fail" (default)
                      last   the last non-neutral step's score (labels are not read)
  --lambda-pass X   λ_pass, the weight on passing responses (default ${psgpoPreset.lambdaPass}, as 'linewise ppo')
  --lambda-fail X   λ_fail, the weight on failing responses (default ${psgpoPreset.lambdaFail})
  --granularity G   line (default) or block: the steps scored
${serveHelp(8200)}
  --max-batch N     responses scored together (default 32)
  --batch-window MS
                    how long a request waits for others to share its batch (default 25)

Example:
  linewise serve-prm --prm runs/prm/checkpoints/step-400 --port 8200 &
  curl -s localhost:8200/get_reward -H 'content-type: application/json' \\
    -d '{"query": ["def add(a, b):\\n    return a + b\\n"], "prompts": ["def add(a, b):\\n"], "labels": ["pass"]}'`;

export const servePrmCommand: Command = {
  name,
  summary: "serve a PRM as a remote reward model (OpenRLHF's protocol; per-step scores for verl)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      ...serveOptions,
      prm: { type: "string" },
      reward: { type: "string" },
      "lambda-pass": { type: "string" },
      "lambda-fail": { type: "string" },
      granularity: { type: "string" },
      ...batchOptions,
    });
    const settings = serveSettings(name, values, 8200);
    const checkpoint = requiredOption(name, "prm", values.prm);
    const rule = (values.reward ?? "psgpo") as RewardRule;
    if (rule !== "psgpo" && rule !== "last")
      throw new UsageError(`linewise ${name}: --reward expects psgpo or last, got '${values.reward}'`);
    const granularity = values.granularity ?? "line";
    if (granularity !== "line" && granularity !== "block")
      throw new UsageError(`linewise ${name}: --granularity expects line or block, got '${granularity}'`);
    const lambdaPass = numberOption(name, "lambda-pass", values["lambda-pass"], psgpoPreset.lambdaPass);
    const lambdaFail = numberOption(name, "lambda-fail", values["lambda-fail"], psgpoPreset.lambdaFail);
    const { maxBatch, batchWindowMs } = batchSettings(name, values);
    let scorer: PrmScorer;
    try {
      scorer = PrmScorer.load(checkpoint);
    } catch (e) {
      throw new UsageError(`linewise ${name}: --prm ${(e as Error).message}`);
    }
    const server = new PrmServer({
      scorer,
      reward: { rule, lambdaPass, lambdaFail },
      granularity,
      token: settings.token,
      maxBatch,
      batchWindowMs,
    });
    try {
      await serveUntilStopped(name, server, settings, `the PRM ${checkpoint} (reward ${rule})`);
    } finally {
      await server.close();
      scorer.dispose();
    }
  },
};
