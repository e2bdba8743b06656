/**
 * The request and response shapes `linewise serve-prm` speaks.
 *
 * OpenRLHF's remote reward model (`--remote_rm_url`; openrlhf/utils/agent.py posts, openrlhf/cli/serve_rm.py
 * answers): `POST {query: [prompt + response, …], prompts: [prompt, …], labels: [label, …]}` →
 * `{rewards: [r, …], scores: [r, …], extra_logs: {name: [x, …]}}`. OpenRLHF turns each extra_logs entry
 * into one number per sample for its logs, so per-line scores (a list per response) go beside them in
 * `step_scores`, and extra_logs carries their per-response summaries (mean, min, last, count).
 *
 * The per-step route, for dense (token-level) rewards as verl's `reward_tensor` takes them:
 * `POST {prompts: [...], responses: [...]}` → `{results: [{steps: [{text, end, score, neutral}]}]}`,
 * `end` being the character offset in the response just past the step (steps concatenate to it).
 */
import { psgpoLineRewards, type ProcessWeights } from "../rewards/process.js";
import { badField } from "./http.js";

/** How a response's step scores become its reward. */
export type RewardRule = "psgpo" | "last";

export interface RewardSettings extends ProcessWeights {
  rule: RewardRule;
}

/** One response as scored: its steps with their end offsets, neutrality and PRM score. */
export interface ScoredStep {
  text: string;
  end: number;
  score: number;
  neutral: boolean;
}

function strings(body: Record<string, unknown>, key: string, length?: number): string[] {
  const v = body[key];
  if (!Array.isArray(v)) throw badField(key, "must be a list of strings");
  v.forEach((x, i) => {
    if (typeof x !== "string") throw badField(`${key}[${i}]`, "must be a string");
  });
  if (length !== undefined && v.length !== length)
    throw badField(
      key,
      `has ${v.length} entries for ${length} in ${key === "prompts" ? "query" : "prompts"}`,
    );
  return v as string[];
}

/** A rollout's outcome from its label: pass / fail (or true / false, 1 / 0). */
function outcome(label: unknown, at: string): boolean {
  if (label === true || label === 1 || label === "pass" || label === "true" || label === "1") return true;
  if (label === false || label === 0 || label === "fail" || label === "false" || label === "0") return false;
  throw badField(
    at,
    `the psgpo reward weighs by the outcome: send "pass" or "fail", got ${JSON.stringify(label)}`,
  );
}

/** An OpenRLHF request: each query split into prompt and response, and each outcome when the rule needs it. */
export function parseRewardRequest(
  body: Record<string, unknown>,
  rule: RewardRule,
  maxItems: number,
  specialTokens: string[],
): { prompts: string[]; responses: string[]; passed: (boolean | null)[] } {
  const query = strings(body, "query");
  if (query.length === 0) throw badField("query", "must hold at least one query");
  if (query.length > maxItems)
    throw badField("query", `${query.length} queries; this server takes at most ${maxItems}`);
  const prompts = strings(body, "prompts", query.length);
  const responses = query.map((q, i) => {
    const at = q.indexOf(prompts[i]!);
    if (at < 0)
      throw badField(`prompts[${i}]`, "is not part of query[" + i + "] (query = prompt + response)");
    return stripSpecial(q.slice(at + prompts[i]!.length), specialTokens);
  });
  let passed: (boolean | null)[] = query.map(() => null);
  if (rule === "psgpo") {
    const labels = body["labels"];
    if (!Array.isArray(labels) || labels.length !== query.length)
      throw badField("labels", `the psgpo reward needs one outcome ("pass" or "fail") per query`);
    passed = labels.map((l, i) => outcome(l, `labels[${i}]`));
  }
  return { prompts, responses, passed };
}

/** A per-step request: prompts and responses, one each per item. */
export function parseStepsRequest(
  body: Record<string, unknown>,
  maxItems: number,
): { prompts: string[]; responses: string[] } {
  const responses = strings(body, "responses");
  if (responses.length > maxItems)
    throw badField("responses", `${responses.length} responses; this server takes at most ${maxItems}`);
  const prompts = strings(body, "prompts");
  if (prompts.length !== responses.length)
    throw badField("prompts", `has ${prompts.length} entries for ${responses.length} responses`);
  return { prompts, responses };
}

/** Special tokens a decoded query may end with (OpenRLHF decodes with them: eos, padding). */
function stripSpecial(response: string, specialTokens: string[]): string {
  let text = response;
  for (let changed = true; changed;) {
    changed = false;
    for (const token of specialTokens)
      if (token && text.endsWith(token)) {
        text = text.slice(0, -token.length);
        changed = true;
      }
  }
  return text;
}

/**
 * A response's reward from its steps: `psgpo` sums PSGPO's λ(o)·PRM_i / L over the lines (§4.2; neutral
 * lines earn 0), `last` is the score of the last step that is not neutral (0 when there is none).
 */
export function rewardOf(
  steps: readonly ScoredStep[],
  passed: boolean | null,
  settings: RewardSettings,
): number {
  if (steps.length === 0) return 0;
  if (settings.rule === "last") return [...steps].reverse().find((s) => !s.neutral)?.score ?? 0;
  const rewards = psgpoLineRewards(
    steps.map((s) => s.score),
    steps.map((s) => s.neutral),
    passed === true,
    settings,
  );
  return rewards.reduce((a, b) => a + b, 0);
}

/** The OpenRLHF response for scored responses. */
export function rewardResponse(
  scored: ScoredStep[][],
  passed: (boolean | null)[],
  settings: RewardSettings,
): Record<string, unknown> {
  const rewards = scored.map((steps, i) => rewardOf(steps, passed[i]!, settings));
  const real = scored.map((steps) => steps.filter((s) => !s.neutral).map((s) => s.score));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    rewards,
    scores: rewards,
    extra_logs: {
      prm_mean: real.map(mean),
      prm_min: real.map((xs) => (xs.length ? Math.min(...xs) : 0)),
      prm_last: real.map((xs) => xs.at(-1) ?? 0),
      prm_steps: real.map((xs) => xs.length),
    },
    step_scores: scored.map((steps) => steps.map((s) => s.score)),
  };
}
