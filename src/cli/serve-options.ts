/**
 * What the `serve-*` commands share: --port/--host/--token read and checked (a token is required to
 * listen anywhere but loopback), listening with a one-line error, and running until SIGINT or SIGTERM,
 * which finish the requests in flight before the process exits.
 */
import { envVars } from "../env.js";
import { isLoopback, type HttpService } from "../server/http.js";
import { numberOption } from "./args.js";
import { UsageError } from "./command.js";

/** The parseArgs spec of the shared options. */
export const serveOptions = {
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
} as const;

/** Help lines of the shared options (text from column 21). */
export function serveHelp(defaultPort: number): string {
  return `  --port P          TCP port (default ${defaultPort}; 0 picks a free one)
  --host HOST       address to listen on (default 127.0.0.1, this machine only); any other address
                    needs a token
  --token T         require 'Authorization: Bearer T' on every request (default: $LINEWISE_TOKEN,
                    which keeps it out of the process list)`;
}

/** Port, host and token, checked. */
export function serveSettings(
  command: string,
  values: { port?: string | undefined; host?: string | undefined; token?: string | undefined },
  defaultPort: number,
): { port: number; host: string; token: string | null } {
  const port = numberOption(command, "port", values.port, defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `linewise ${command}: --port expects an integer from 0 to 65535, got '${values.port}'`,
    );
  const host = values.host ?? "127.0.0.1";
  const token = values.token ?? envVars.LINEWISE_TOKEN ?? null;
  if (!isLoopback(host) && !token)
    throw new UsageError(
      `linewise ${command}: --host ${host} serves other machines; give --token T (or set LINEWISE_TOKEN) so only clients with the token are answered`,
    );
  return { port, host, token };
}

/** The parseArgs spec of the batching options of the model servers (serve-model, serve-prm). */
export const batchOptions = {
  "max-batch": { type: "string" },
  "batch-window": { type: "string" },
} as const;

/** --max-batch and --batch-window, checked. */
export function batchSettings(
  command: string,
  values: { "max-batch"?: string | undefined; "batch-window"?: string | undefined },
): { maxBatch: number; batchWindowMs: number } {
  const maxBatch = numberOption(command, "max-batch", values["max-batch"], 32);
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new UsageError(
      `linewise ${command}: --max-batch expects a positive integer, got '${values["max-batch"]}'`,
    );
  const batchWindowMs = numberOption(command, "batch-window", values["batch-window"], 25);
  if (batchWindowMs < 0)
    throw new UsageError(
      `linewise ${command}: --batch-window expects a number of milliseconds ≥ 0, got '${values["batch-window"]}'`,
    );
  return { maxBatch, batchWindowMs };
}

/** Listens, prints `NAME: WHAT at URL` on stdout, and serves until SIGINT/SIGTERM, then drains. */
export async function serveUntilStopped(
  command: string,
  server: HttpService,
  settings: { port: number; host: string },
  what: string,
  /** Appended to the printed URL (serve-model's clients want the /v1 base). */
  path = "",
): Promise<void> {
  const { port, host } = settings;
  const address = await server.listen(port, host).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(
      `linewise ${command}: cannot listen on ${host}:${port} (${e.code ?? e.message}); pick another --port or --host`,
    );
  });
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  console.log(`${command}: ${what} at http://${shown}:${address.port}${path} (Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      console.error(`${command}: ${signal}: finishing the requests in flight`);
      void server.close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  console.error(`${command}: stopped`);
}
