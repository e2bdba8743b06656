/**
 * A PRM as a remote reward model (`linewise serve-prm`; DESIGN.md, "Scale"): OpenRLHF's remote reward
 * protocol and a per-step route (reward-protocol.ts). Responses are split into steps as PPO splits them
 * (lines, or blocks), scored by `PrmScorer` on the label scale, and the steps of concurrent requests share
 * the PRM's forward batches (batch-queue.ts), as serve-model's prompts share decoding.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { segmentResponse, type Granularity } from "../labels/segment.js";
import { encodePrmInput, type PrmScorer } from "../train/prm-scorer.js";
import { BatchQueue } from "./batch-queue.js";
import { badField, HttpError, HttpService, readJson, routeOf, send } from "./http.js";
import {
  parseRewardRequest,
  parseStepsRequest,
  rewardResponse,
  type RewardSettings,
  type ScoredStep,
} from "./reward-protocol.js";

export interface PrmServerOptions {
  scorer: PrmScorer;
  reward: RewardSettings;
  /** The steps scored: lines (PSGPO) or blocks (PRLCoder's block variant). */
  granularity: Granularity;
  token?: string | null;
  /** Responses scored together in one batch of forward passes; default 32. */
  maxBatch?: number;
  /** How long a request waits for others to share its batch, ms (extended while more arrive); default 25. */
  batchWindowMs?: number;
  /** Most responses in one request; default 1024. */
  maxItems?: number;
  /** Largest request body, bytes; default 16 MiB. */
  maxBodyBytes?: number;
}

/** One response to score: its prompt and its steps' texts (which concatenate to the response). */
interface Item {
  prompt: string;
  response: string;
  steps: string[];
}

export const prmRoutes = { reward: "/get_reward", steps: "/v1/steps" } as const;

export class PrmServer extends HttpService {
  private readonly queue: BatchQueue<Item, number[]>;
  private readonly specialTokens: string[];

  constructor(private readonly options: PrmServerOptions) {
    super(options.token);
    const { scorer } = options;
    // Scoring blocks the event loop for the whole batch; requests sent meanwhile join the next one.
    this.queue = new BatchQueue(async (items) => scorer.scoreBatch(items), {
      maxRequests: options.maxBatch ?? 32,
      windowMs: options.batchWindowMs ?? 25,
    });
    const t = scorer.tokenizer;
    this.specialTokens = [t.eosId, t.padId, t.bosId].map((id) => t.idToToken(id) ?? "").filter(Boolean);
  }

  protected fail(res: ServerResponse, e: unknown): void {
    if (e instanceof HttpError) send(res, e.status, { error: { message: e.message, param: e.param } });
    else send(res, 500, { error: { message: `the PRM failed: ${(e as Error).message}`, param: null } });
  }

  protected async respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = routeOf(req);
    // OpenRLHF's own serve_rm answers at /get_reward; any path but the per-step one is accepted as it,
    // since --remote_rm_url is a full URL a user may have written with another path.
    if (req.method === "GET" && (path === "/health" || path === "/v1/info"))
      return send(res, 200, { reward: this.options.reward, granularity: this.options.granularity });
    if (req.method !== "POST") throw new HttpError(`${path} takes POST`, 405);
    const json = await readJson(req, this.options.maxBodyBytes ?? 16 * 1024 * 1024);
    if (json === null || typeof json !== "object" || Array.isArray(json))
      throw badField("body", "the request body must be a JSON object");
    const body = json as Record<string, unknown>;
    const maxItems = this.options.maxItems ?? 1024;
    if (path === prmRoutes.steps) {
      const { prompts, responses } = parseStepsRequest(body, maxItems);
      const scored = await this.score(prompts, responses, "responses");
      return send(res, 200, { results: scored.map((steps) => ({ steps })) });
    }
    const { rule } = this.options.reward;
    const { prompts, responses, passed } = parseRewardRequest(body, rule, maxItems, this.specialTokens);
    const scored = await this.score(prompts, responses, "query");
    send(res, 200, rewardResponse(scored, passed, this.options.reward));
  }

  /** Each response's steps with their scores; a response too long for the PRM is a 400 naming it. */
  private async score(prompts: string[], responses: string[], field: string): Promise<ScoredStep[][]> {
    const { scorer, granularity } = this.options;
    const segmented = await Promise.all(responses.map((r) => segmentResponse("", r, granularity)));
    const items = responses.map((response, i) => ({
      prompt: prompts[i]!,
      response,
      steps: segmented[i]!.steps.map((s) => s.text),
    }));
    const room = scorer.model.config.maxPositions;
    items.forEach((item, i) => {
      const { prompt, response } = encodePrmInput(scorer.tokenizer, item.prompt, item.response, item.steps);
      if (prompt.length + response.length > room)
        throw badField(
          `${field}[${i}]`,
          `prompt and response are ${prompt.length + response.length} tokens; the PRM holds ${room}`,
        );
    });
    const scoredItems = items.filter((item) => item.steps.length > 0);
    const scores = scoredItems.length > 0 ? await this.queue.submit(scoredItems) : [];
    let next = 0;
    return items.map((item, i) => {
      const itemScores = item.steps.length > 0 ? scores[next++]! : [];
      return segmented[i]!.steps.map((s, k) => ({
        text: s.text,
        end: s.end,
        score: itemScores[k]!,
        neutral: s.neutral,
      }));
    });
  }
}
