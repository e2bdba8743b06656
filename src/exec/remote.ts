/**
 * An executor whose sandboxes are `linewise serve-exec` servers (`--exec-url URL…`; DESIGN.md, "Scale").
 * Jobs wait in one queue and go to whichever server has free slots (its advertised capacity less the
 * jobs it holds), several per request; each answer streams back as it finishes. A server that fails or
 * dies mid-request is set aside for a while and the jobs it had not answered go back to the front of the
 * queue for another server, so no job is lost, and each job's promise settles once, so none counts twice.
 * Verdicts equal a local run's: the servers grade with the same code, outside their sandboxes.
 *
 * A URL `sandboxfusion+http://…` names a SandboxFusion server instead (sandbox-fusion-client.ts): it has
 * no slots to ask about, so it gets a fixed number of jobs in flight (`?concurrency=N`, default 4), one
 * /run_code request each, graded here; a failed request sets the server aside and sends its job back to
 * the queue exactly as a failed batch does, so the same guarantees hold.
 */
import type { Json, Tests } from "../problems/types.js";
import { parseJsonExact, stringifyExact } from "./exactJson.js";
import type { Capture, SandboxExecutor, ScriptRun } from "./executor.js";
import type { RunOptions } from "./limits.js";
import { defaultLimits } from "./limits.js";
import {
  captureFromWire,
  execRoutes,
  jobToWire,
  type CaptureWire,
  type Job,
  type JobKind,
  type JobResult,
  type ServerInfo,
} from "./remote-protocol.js";
import { execTarget, FusionClient, RequestRefused } from "./sandbox-fusion-client.js";
import type { Verdict } from "./types.js";

export interface RemoteExecutorOptions {
  /** Base URLs of serve-exec servers, e.g. http://10.0.0.2:8100, or of SandboxFusion servers,
   *  sandboxfusion+http://10.0.0.4:8080?concurrency=8 (see `execTarget`). */
  urls: string[];
  /** Sent as `Authorization: Bearer TOKEN`. */
  token?: string;
  /** How long a server that failed is left alone before it is tried again, ms; default 2000. */
  retryMs?: number;
  /** Waiting jobs fail once no server has been reachable for this long, ms; default 120 000. */
  giveUpMs?: number;
}

interface Task {
  kind: JobKind;
  job: Job;
  resolve: (result: JobResult) => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

interface Remote {
  url: string;
  info?: ServerInfo;
  /** Jobs sent and not yet answered. */
  held: number;
  /** Not tried again before this time (ms since the epoch). */
  downUntil: number;
  probing: boolean;
  lastError?: string;
  /** Set for a SandboxFusion server, with its fixed number of jobs in flight. */
  fusion?: { client: FusionClient; concurrency: number };
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("the run was aborted", "AbortError");
}

export class RemoteExecutor implements SandboxExecutor {
  readonly sandboxTag = "remote";
  private readonly remotes: Remote[];
  private readonly queue: Task[] = [];
  private readonly requests = new Set<AbortController>();
  private readonly retryMs: number;
  private readonly giveUpMs: number;
  /** Since when no server has been reachable (undefined while one is). */
  private unreachableSince?: number;
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** Jobs sent back to the queue after a server failed to answer them (each answered once in the end). */
  requeued = 0;

  constructor(private readonly options: RemoteExecutorOptions) {
    if (options.urls.length === 0) throw new Error("remote executor: no server URL given");
    this.remotes = options.urls.map((raw) => {
      const target = execTarget(raw);
      const remote: Remote = { url: target.url, held: 0, downUntil: 0, probing: false };
      if (target.kind === "sandboxfusion")
        remote.fusion = {
          client: new FusionClient(target.url, () => this.headers()),
          concurrency: target.concurrency,
        };
      return remote;
    });
    this.retryMs = options.retryMs ?? 2000;
    this.giveUpMs = options.giveUpMs ?? 120_000;
    for (const remote of this.remotes) void this.probe(remote);
  }

  run(program: string, tests: Tests, options: RunOptions = {}): Promise<Verdict> {
    return this.submit("run", { program, tests, options }, options.signal) as Promise<Verdict>;
  }

  async capture(program: string, fnName: string, args: Json[][], options: RunOptions = {}): Promise<Capture> {
    const wire = await this.submit("capture", { program, fnName, args, options }, options.signal);
    return captureFromWire(wire as CaptureWire);
  }

  script(program: string, stdin: string, options: RunOptions = {}): Promise<ScriptRun> {
    return this.submit("script", { program, stdin, options }, options.signal) as Promise<ScriptRun>;
  }

  /** Rejects the jobs still waiting and abandons those in flight (the servers finish them for nobody). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const error = new Error("executor: closed");
    for (const task of this.queue.splice(0)) this.settle(task, () => task.reject(error));
    for (const request of this.requests) request.abort();
  }

  /** Jobs all reachable servers can hold at once (0 until one has answered). */
  get capacity(): number {
    return this.remotes.reduce((n, r) => n + (r.info?.capacity ?? 0), 0);
  }

  private submit(kind: JobKind, job: Job, signal?: AbortSignal): Promise<JobResult> {
    if (this.closed) return Promise.reject(new Error("executor: closed"));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const task: Task = { kind, job, resolve, reject, settled: false };
      signal?.addEventListener(
        "abort",
        () => {
          const at = this.queue.indexOf(task);
          if (at >= 0) this.queue.splice(at, 1);
          this.settle(task, () => reject(abortError(signal)));
        },
        { once: true },
      );
      this.queue.push(task);
      queueMicrotask(() => this.pump());
    });
  }

  private settle(task: Task, how: () => void): void {
    if (task.settled) return;
    task.settled = true;
    how();
  }

  /** Sends waiting jobs to servers with free slots; schedules a retry while some server is set aside. */
  private pump(): void {
    if (this.closed) return;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.settled) this.queue.splice(i, 1);
    const now = Date.now();
    for (const remote of this.remotes) {
      if (this.queue.length === 0) break;
      if (!remote.info) {
        if (remote.downUntil <= now && !remote.probing) void this.probe(remote);
        continue;
      }
      if (remote.downUntil > now) continue;
      const free = Math.min(remote.info.capacity - remote.held, remote.info.maxJobs);
      if (free <= 0) continue;
      // One request carries jobs of one kind (one route), taken in queue order.
      const kind = this.queue[0]!.kind;
      const batch: Task[] = [];
      for (let i = 0; i < this.queue.length && batch.length < free;)
        if (this.queue[i]!.kind === kind) batch.push(...this.queue.splice(i, 1));
        else i++;
      void this.send(remote, kind, batch);
    }
    const reachable = this.remotes.some((r) => r.info);
    this.unreachableSince = reachable ? undefined : (this.unreachableSince ?? now);
    if (
      this.queue.length > 0 &&
      this.unreachableSince !== undefined &&
      now - this.unreachableSince > this.giveUpMs
    ) {
      const why = this.remotes.map((r) => `${r.url}: ${r.lastError ?? "busy"}`).join("; ");
      const error = new Error(`remote executor: no server reachable for ${this.giveUpMs / 1000} s (${why})`);
      for (const task of this.queue.splice(0)) this.settle(task, () => task.reject(error));
    }
    if (this.queue.length > 0 && !this.timer)
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.min(this.retryMs, 500),
      );
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.token) headers["authorization"] = `Bearer ${this.options.token}`;
    return headers;
  }

  /** Asks a server for its capacity; a server that does not answer is set aside and asked again later. */
  private async probe(remote: Remote): Promise<void> {
    if (remote.fusion) {
      // Nothing to ask: a SandboxFusion server shows whether it is up by answering its next job.
      const c = remote.fusion.concurrency;
      remote.info = { slots: c, capacity: c, maxJobs: c };
      remote.downUntil = 0;
      queueMicrotask(() => this.pump());
      return;
    }
    remote.probing = true;
    try {
      const res = await fetch(remote.url + execRoutes.info, {
        headers: this.headers(),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      remote.info = (await res.json()) as ServerInfo;
      remote.downUntil = 0;
    } catch (e) {
      this.setAside(remote, e);
    } finally {
      remote.probing = false;
    }
    this.pump();
  }

  private setAside(remote: Remote, e: unknown): void {
    remote.lastError = (e as Error).message;
    remote.downUntil = Date.now() + this.retryMs;
    remote.info = undefined; // asked again before it gets more jobs: it may have restarted with other slots
  }

  /** One request: streams answers back as they finish; what is left unanswered goes back to the queue. */
  private async send(remote: Remote, kind: JobKind, batch: Task[]): Promise<void> {
    if (remote.fusion) return this.sendFusion(remote, remote.fusion.client, kind, batch);
    remote.held += batch.length;
    const pending = new Map(batch.map((task, i) => [i, task]));
    const controller = new AbortController();
    this.requests.add(controller);
    // A server that stops answering (a hung host) counts as failed once no line came for this long.
    const longest = Math.max(...batch.map((t) => t.job.options.wallMs ?? defaultLimits.wallMs));
    let idle: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error("no answer in time")), 2 * longest + 30_000);
    };
    try {
      watch();
      const res = await fetch(remote.url + execRoutes[kind], {
        method: "POST",
        headers: this.headers(),
        body: stringifyExact({
          jobs: batch.map((t) => jobToWire(kind, t.job)),
          stream: true,
        } as unknown as Json),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        const message = `HTTP ${res.status} ${(await res.text()).slice(0, 300)}`;
        // Refused as sent (a limit over the server's ceiling, a malformed field): no server would take it.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
          throw new RequestRefused(`${remote.url}${execRoutes[kind]}: ${message}`);
        throw new Error(message);
      }
      const decoder = new TextDecoder();
      let buffered = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        watch();
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          this.answer(remote, pending, line);
        }
      }
      if (pending.size > 0) throw new Error(`the response ended with ${pending.size} jobs unanswered`);
    } catch (e) {
      if (e instanceof RequestRefused) {
        for (const task of pending.values()) this.settle(task, () => task.reject(e));
        pending.clear();
      } else if (!this.closed) this.setAside(remote, e);
    } finally {
      clearTimeout(idle);
      this.requests.delete(controller);
      remote.held -= pending.size;
      // Unanswered jobs go back first in line, in their order, for another server (or this one, later).
      const left = [...pending.values()].filter((t) => !t.settled);
      this.requeued += left.length;
      this.queue.unshift(...left);
      this.pump();
    }
  }

  /**
   * Jobs to a SandboxFusion server, one /run_code request each, side by side. A job whose request fails
   * goes back to the front of the queue at once and the server is set aside; one the server refused as
   * sent (HTTP 4xx) fails with that error, since no server would take it.
   */
  private async sendFusion(
    remote: Remote,
    client: FusionClient,
    kind: JobKind,
    batch: Task[],
  ): Promise<void> {
    remote.held += batch.length;
    await Promise.all(
      batch.map(async (task) => {
        const controller = new AbortController();
        this.requests.add(controller);
        try {
          const result = await client.run(kind, task.job, controller.signal);
          this.settle(task, () => task.resolve(result));
        } catch (e) {
          if (e instanceof RequestRefused) this.settle(task, () => task.reject(e));
          else if (!this.closed) {
            this.setAside(remote, e);
            if (!task.settled) {
              this.requeued++;
              this.queue.unshift(task);
            }
          }
        } finally {
          remote.held--;
          this.requests.delete(controller);
          this.pump();
        }
      }),
    );
  }

  /** One NDJSON line `{i, result}` or `{i, error}`; an error sends the job back to the queue. */
  private answer(remote: Remote, pending: Map<number, Task>, line: string): void {
    if (line.trim() === "") return;
    const { i, result, error } = parseJsonExact(line) as unknown as {
      i: number;
      result?: JobResult;
      error?: string;
    };
    const task = pending.get(i);
    if (!task) return;
    if (error !== undefined) {
      remote.lastError = error;
      return; // left in `pending`: re-queued when the response ends
    }
    pending.delete(i);
    remote.held--;
    this.settle(task, () => task.resolve(result!));
    // The slot it held is free: fill it without waiting for the rest of this batch.
    this.pump();
  }
}
