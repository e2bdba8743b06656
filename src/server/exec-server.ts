/**
 * The executor as an HTTP service (`linewise serve-exec`; DESIGN.md, "Scale"): SandboxFusion's
 * `POST /run_code` for Python (sandbox-fusion.ts) and linewise's batch routes (exec/remote-protocol.ts),
 * all over one sandboxed executor whose queue spreads the jobs of every request over its workers.
 * Grading happens here, in Node, outside the sandbox, exactly as in a local run.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxExecutor } from "../exec/index.js";
import { parseJsonExact, stringifyExact } from "../exec/exactJson.js";
import {
  captureToWire,
  execRoutes,
  FieldError,
  parseJobs,
  type CaptureJob,
  type Job,
  type JobKind,
  type JobResult,
  type LimitCeilings,
  type RunJob,
  type ScriptJob,
  type ServerInfo,
} from "../exec/remote-protocol.js";
import type { Json } from "../problems/types.js";
import { badField, HttpError, HttpService, readJson, routeOf, send } from "./http.js";
import { parseRunCode, runCodeResponse } from "./sandbox-fusion.js";

export interface ExecServerOptions {
  executor: SandboxExecutor;
  /** The executor's workers, advertised so clients keep them busy. */
  slots: number;
  /** Required as `Authorization: Bearer TOKEN` on every request when set. */
  token?: string | null;
  /** Largest request body, bytes; default 64 MiB. */
  maxBodyBytes?: number;
  /** Most jobs in one batch request; default 1024. */
  maxJobs?: number;
  /** Largest wall-clock (and CPU) limit a job may ask for, ms; default 20 minutes (EvalPlus's reference runs). */
  maxWallMs?: number;
  /** Largest memory limit a job may ask for, bytes; default 4 GiB. */
  maxMemoryBytes?: number;
}

const exact = (value: unknown) => stringifyExact(value as Json);

export class ExecServer extends HttpService {
  private readonly ceilings: LimitCeilings;
  private readonly maxJobs: number;

  constructor(private readonly options: ExecServerOptions) {
    super(options.token);
    this.maxJobs = options.maxJobs ?? 1024;
    this.ceilings = {
      wallMs: options.maxWallMs ?? 20 * 60_000,
      memoryBytes: options.maxMemoryBytes ?? 4 * 1024 ** 3,
    };
  }

  get info(): ServerInfo {
    const { slots } = this.options;
    return { slots, capacity: 2 * slots, maxJobs: this.maxJobs };
  }

  protected fail(res: ServerResponse, e: unknown): void {
    if (e instanceof FieldError) send(res, 400, { error: { message: e.message, param: e.param } });
    else if (e instanceof HttpError) send(res, e.status, { error: { message: e.message, param: e.param } });
    else send(res, 500, { error: { message: `the executor failed: ${(e as Error).message}`, param: null } });
  }

  protected async respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = routeOf(req);
    const kind = (Object.keys(execRoutes) as (keyof typeof execRoutes)[]).find((k) => execRoutes[k] === path);
    if (kind === "info" || path === "/health") {
      if (req.method !== "GET") throw new HttpError(`${path} takes GET`, 405);
      return send(res, 200, this.info);
    }
    if (!kind && path !== "/run_code")
      throw new HttpError(
        `no route ${req.method} ${path}; the routes are POST /run_code, POST ${execRoutes.run}, ` +
          `POST ${execRoutes.capture}, POST ${execRoutes.script}, GET ${execRoutes.info}`,
        404,
      );
    if (req.method !== "POST") throw new HttpError(`${path} takes POST`, 405);
    const json = await readJson(req, this.options.maxBodyBytes ?? 64 * 1024 * 1024, parseJsonExact);
    if (json === null || typeof json !== "object" || Array.isArray(json))
      throw badField("body", "the request body must be a JSON object");
    const body = json as Record<string, unknown>;
    if (!kind) {
      const request = parseRunCode(body, this.ceilings);
      const run = await this.options.executor.script(request.code, request.stdin, request.options);
      return send(res, 200, runCodeResponse(run));
    }
    const jobs = parseJobs(kind, body, this.maxJobs, this.ceilings);
    if (body["stream"] !== undefined && typeof body["stream"] !== "boolean")
      throw badField("stream", "must be true or false");
    const results = jobs.map((job) => this.runJob(kind, job));
    if (body["stream"] === true) return this.stream(res, results);
    send(res, 200, { results: await Promise.all(results) }, exact);
  }

  private async runJob(kind: JobKind, job: Job): Promise<JobResult> {
    const executor = this.options.executor;
    if (kind === "capture") {
      const j = job as CaptureJob;
      return captureToWire(await executor.capture(j.program, j.fnName, j.args, j.options));
    }
    if (kind === "script") {
      const j = job as ScriptJob;
      return executor.script(j.program, j.stdin, j.options);
    }
    const j = job as RunJob;
    return executor.run(j.program, j.tests, j.options);
  }

  /** NDJSON lines `{i, result}` or `{i, error}` as jobs finish; the response ends after the last. */
  private async stream(res: ServerResponse, results: Promise<JobResult>[]): Promise<void> {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    await Promise.all(
      results.map((p, i) =>
        p.then(
          (result) => res.write(exact({ i, result }) + "\n"),
          (e: Error) => res.write(JSON.stringify({ i, error: e.message }) + "\n"),
        ),
      ),
    );
    await new Promise<void>((resolve) => res.end(resolve));
  }

  protected override async closed(): Promise<void> {
    await this.options.executor.close();
  }
}
