/**
 * Batching for the model servers: HTTP requests that arrive while the model is busy (or within a short
 * window of each other) are run together in one call (serve-model: one `Generator.complete`, so concurrent
 * clients share the batched KV-cache decoding; serve-prm: one PRM forward batch) instead of waiting in
 * line one by one.
 */

export interface BatchQueueOptions {
  /** Most completion requests (prompts) decoded in one call; a job is never split. */
  maxRequests: number;
  /** How long the queue waits for company before each batch, ms; extended while requests keep arriving. */
  windowMs: number;
}

interface Job<Req, Res> {
  requests: Req[];
  resolve: (results: Res[]) => void;
  reject: (e: unknown) => void;
}

/** Runs requests in batches with `run`, which returns one result per request, in order. */
export class BatchQueue<Req, Res> {
  private readonly pending: Job<Req, Res>[] = [];
  private running = false;

  constructor(
    private readonly run: (requests: Req[]) => Promise<Res[]>,
    private readonly options: BatchQueueOptions,
  ) {}

  /** Runs `requests` (one HTTP request's items) in a batch with whatever else is queued. */
  submit(requests: Req[]): Promise<Res[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ requests, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0) {
      await this.gather();
      const batch = this.take();
      try {
        const samples = await this.run(batch.flatMap((j) => j.requests));
        let at = 0;
        for (const job of batch) {
          job.resolve(samples.slice(at, at + job.requests.length));
          at += job.requests.length;
        }
      } catch (e) {
        // One client's bad request must not fail the others that shared its batch: retry them alone.
        if (batch.length === 1) batch[0]!.reject(e);
        else for (const job of batch) await this.run(job.requests).then(job.resolve, job.reject);
      }
    }
    this.running = false;
  }

  /**
   * Waits for company before a batch: a window, extended while requests keep arriving (up to four
   * windows) or until a full batch is queued. Decoding blocks the event loop, so requests sent meanwhile
   * are still unread sockets, and clients on a busy machine send theirs over tens of milliseconds
   * (measured, 16 concurrent requests on a loaded 2-core machine: no wait gave batches of 9, 1, 1, 1, …;
   * a fixed 20 ms window 5, 7, 2, 2; one of 100 ms all 16 at once).
   */
  private async gather(): Promise<void> {
    const { windowMs, maxRequests } = this.options;
    let seen = -1;
    for (let waited = 0; waited < 4 * windowMs && this.pending.length !== seen; waited += windowMs) {
      if (this.queuedRequests() >= maxRequests) return;
      seen = this.pending.length;
      await new Promise((resolve) => setTimeout(resolve, windowMs));
    }
  }

  private queuedRequests(): number {
    return this.pending.reduce((n, job) => n + job.requests.length, 0);
  }

  /** The next batch: queued jobs in arrival order up to `maxRequests` prompts (at least one job). */
  private take(): Job<Req, Res>[] {
    const batch = [this.pending.shift()!];
    let count = batch[0]!.requests.length;
    while (this.pending.length > 0 && count + this.pending[0]!.requests.length <= this.options.maxRequests) {
      const job = this.pending.shift()!;
      count += job.requests.length;
      batch.push(job);
    }
    return batch;
  }
}
