/**
 * What linewise's HTTP services share (serve-model, serve-exec, serve-prm): reading a JSON body within a
 * size limit, answering JSON, a bearer token when one is set, and a close that drains the requests in
 * flight before cutting connections (SIGTERM answers what was admitted, then exits).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request answered with an HTTP error: 400 names the offending field in `param`. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** A 400 naming the field the client got wrong. */
export function badField(param: string, message: string): HttpError {
  return new HttpError(`${param}: ${message}`, 400, param);
}

/** The request body parsed with `parse` (JSON.parse by default); too large → 413, not JSON → 400. */
export async function readJson(
  req: IncomingMessage,
  maxBytes: number,
  parse: (text: string) => unknown = JSON.parse,
): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) throw new HttpError(`the request body is larger than ${maxBytes} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(`the request body is larger than ${maxBytes} bytes`, 413);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return parse(text);
  } catch (e) {
    throw new HttpError(`the request body is not valid JSON (${(e as Error).message})`, 400);
  }
}

/** Answers `body` as JSON (written with `stringify`, JSON.stringify by default). */
export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  stringify: (value: unknown) => string = JSON.stringify,
): void {
  if (res.headersSent) return;
  const text = stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The route of a request: its path without query string or trailing slashes. */
export function routeOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
}

/** Whether `host` is a loopback address, where a server may run without a token. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * An HTTP server that counts its requests in flight, so `close()` can answer them all before it cuts
 * the connections, and that checks `Authorization: Bearer TOKEN` on every request when given a token.
 */
export abstract class HttpService {
  protected readonly http: Server;
  protected closing: Promise<void> | null = null;
  private inflight = 0;
  private drained: (() => void)[] = [];
  private readonly token: Buffer | null;

  constructor(token?: string | null) {
    this.token = token ? Buffer.from(token) : null;
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  /** Answers one request (the subclass's routes); errors it throws are answered by `fail`. */
  protected abstract respond(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Answers an error thrown while handling a request. */
  protected abstract fail(res: ServerResponse, e: unknown): void;

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host = "127.0.0.1"): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => {
        this.http.off("error", reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** HTTP requests being read, queued or answered. */
  get requestsInFlight(): number {
    return this.inflight;
  }

  /** Stops accepting connections, answers the requests already admitted, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.http.closeIdleConnections();
      if (this.inflight > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
      // The last responses are written by now; let them flush before cutting keep-alive sockets.
      await new Promise((resolve) => setImmediate(resolve));
      this.http.closeAllConnections();
      await closed;
      await this.closed();
    })();
    return this.closing;
  }

  /** Called once every request is answered during `close` (e.g. to stop an executor). */
  protected async closed(): Promise<void> {}

  /** True when the request carries the token (or none is required); compared in constant time. */
  protected authorized(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const header = req.headers.authorization ?? "";
    const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight++;
    try {
      if (this.closing) throw new HttpError("the server is shutting down", 503);
      if (!this.authorized(req))
        throw new HttpError("missing or wrong bearer token (Authorization: Bearer TOKEN)", 401);
      await this.respond(req, res);
    } catch (e) {
      this.fail(res, e);
    } finally {
      if (--this.inflight === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }
}
