/**
 * `--nproc N` on the training commands: this process becomes a launcher that starts N ranks of the same
 * command on this machine, as torchrun's --nproc-per-node does, each with MASTER_ADDR (the loopback),
 * MASTER_PORT (a free port), RANK, LOCAL_RANK and WORLD_SIZE set; a rank started that way (or by torchrun,
 * or by hand on N machines) joins the others instead (src/train/distributed.ts).
 *
 * The ranks run in their own process group, so a terminal's Ctrl-C reaches them once, through the
 * launcher, which forwards SIGINT and SIGTERM to each. Rank 0 keeps stdout (the checkpoint folder it
 * prints); the others' stderr lines are prefixed with their rank. The first rank to fail sets the exit
 * code and the others are stopped (unless an interrupt is winding them down, when each writes its
 * checkpoint and exits by itself).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { constants } from "node:os";
import { envVars } from "../env.js";
import { distributedUnsupported } from "../torch/index.js";
import { DataParallel, WorldEnvError } from "../train/distributed.js";
import { UsageError } from "./command.js";

/** The `--nproc` option as parseOptions declares it. */
export const nprocOption = { nproc: { type: "string" as const } };

/** The help lines of `--nproc`, its description starting at column `width` as the command's other options. */
export function nprocHelp(width: number): string {
  const pad = " ".repeat(width);
  return (
    `  ${"--nproc N".padEnd(width - 2)}train with N data-parallel ranks on this machine (README, "Data-parallel training");\n` +
    `${pad}on several machines, start each rank with torchrun's MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE`
  );
}

/**
 * The ranks this command trains with: with `--nproc N` (N > 1), starts N local ranks of `command argv`
 * and resolves to their exit code; otherwise joins the world the environment describes (one process when
 * WORLD_SIZE is unset). Close a returned world when training ends.
 */
export async function ranksFor(
  command: string,
  nprocText: string | undefined,
  argv: readonly string[],
): Promise<number | DataParallel> {
  const nproc = nprocText === undefined ? 1 : Number(nprocText);
  if (!Number.isInteger(nproc) || nproc < 1 || nproc > 256)
    throw new UsageError(`linewise ${command}: --nproc expects an integer from 1 to 256, got '${nprocText}'`);
  if (nproc > 1 && envVars.WORLD_SIZE !== undefined)
    throw new UsageError(
      `linewise ${command}: --nproc starts its own ranks, but WORLD_SIZE=${envVars.WORLD_SIZE} is set (a launcher such as torchrun started this one); drop --nproc or unset WORLD_SIZE`,
    );
  if (nproc > 1 || envVars.WORLD_SIZE !== undefined) {
    const unsupported = distributedUnsupported();
    if (unsupported) throw new UsageError(`linewise ${command}: ${unsupported}`);
  }
  if (nproc > 1) return launch(command, withoutNproc(argv), nproc);
  try {
    return await DataParallel.fromEnv();
  } catch (e) {
    if (e instanceof WorldEnvError) throw new UsageError(`linewise ${command}: ${e.message}`);
    // c10d's own words (a port in use, a rank that never came), on one line
    const why = (e as Error).message.split("\n")[0];
    throw new UsageError(
      `linewise ${command}: rank ${envVars.RANK} could not join the ${envVars.WORLD_SIZE} ranks at ${envVars.MASTER_ADDR}:${envVars.MASTER_PORT} (${why}); check MASTER_ADDR and MASTER_PORT, and that every rank was started`,
    );
  }
}

/** argv less its --nproc N (or --nproc=N). */
function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--nproc") i++;
    else if (!argv[i]!.startsWith("--nproc=")) out.push(argv[i]!);
  }
  return out;
}

/** A TCP port that was free on the loopback a moment ago (rank 0's store listens on it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function launch(command: string, argv: string[], nproc: number): Promise<number> {
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const port = await freePort();
  let failure: number | null = null;
  let interrupted = false;
  const ranks: ChildProcess[] = [];
  const forward = (signal: NodeJS.Signals) => () => {
    if (signal === "SIGINT") interrupted = true;
    for (const r of ranks) if (r.exitCode === null && r.signalCode === null) r.kill(signal);
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const exits = Array.from({ length: nproc }, (_, rank) => {
      const child = spawn(process.execPath, [main, command, ...argv], {
        env: {
          ...process.env,
          MASTER_ADDR: "127.0.0.1",
          MASTER_PORT: String(port),
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: String(nproc),
        },
        detached: true, // its own process group: the launcher alone hears the terminal's Ctrl-C
        stdio: ["ignore", rank === 0 ? "inherit" : "ignore", rank === 0 ? "inherit" : "pipe"],
      });
      ranks.push(child);
      if (child.stderr)
        createInterface({ input: child.stderr }).on("line", (line) =>
          process.stderr.write(`[rank ${rank}] ${line}\n`),
        );
      return new Promise<void>((resolve) => {
        child.once("error", (e) => {
          console.error(`linewise ${command}: rank ${rank} did not start (${e.message})`);
          failure ??= 1;
          resolve();
        });
        child.once("exit", (code, signal) => {
          const status = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
          if (status !== 0 && failure === null) {
            failure = status;
            // the others would wait for this rank in their next collective until the timeout
            if (!interrupted)
              for (const r of ranks) if (r !== child && r.exitCode === null) r.kill("SIGTERM");
          }
          resolve();
        });
      });
    });
    await Promise.all(exits);
    return failure ?? 0;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
