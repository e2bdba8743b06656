/**
 * One sandboxed fork server process (python/server.py) and the line protocol to it:
 * Node writes `J {job}` and `K id`; the server answers `R {info}` once ready, then `L ...` result lines
 * and `E {end}` per job. Node enforces its own wall-clock backstop: a server that does not end a job
 * in time is killed, which takes its whole sandbox with it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { exactReplacer } from "./exactJson.js";
import type { RunEnd } from "./grade.js";
import { sandboxCommand } from "./sandbox.js";

/** Grace on top of a job's wall-clock limit before Node kills the sandbox itself. */
const backstopGraceMs = 2000;
/** How long a server may take to start. */
const startTimeoutMs = 30_000;
const stderrKeep = 4096;

/** What goes to the server for one job (server.py reads these fields). */
export interface JobMessage {
  id: number;
  secret: string;
  kind: "stdio" | "call" | "assert";
  program: string;
  stopOnFirst: boolean;
  limits: {
    wallMs: number;
    cpuMs: number;
    memoryBytes: number;
    outputBytes: number;
    resultBytes: number;
    nproc: number;
  };
  inputs?: string[];
  fnName?: string;
  args?: unknown[];
  setup?: string | null;
  asserts?: string[];
}

/** A job's end: the server's summary, or why there is none. */
export type JobEnd =
  { ok: true; end: RunEnd } | { ok: false; reason: "backstop" | "crashed"; detail: string };

/**
 * A job as server.py reads it: `J ID WALL_MS MEMORY_BYTES RESULT_BYTES TESTS_LEN TESTS BODY`. The server
 * reads the numbers and compiles assert tests, keeping them by their text (TESTS, JSON `[setup, asserts]`,
 * TESTS_LEN bytes); the child parses BODY, the rest of the job, itself.
 */
export function jobLine(job: JobMessage): string {
  const { tests, body } = jobParts(job);
  const [wallMs, memoryBytes, resultBytes] = [
    job.limits.wallMs,
    job.limits.memoryBytes,
    job.limits.resultBytes,
  ].map(Math.ceil);
  const head = `J ${job.id} ${wallMs} ${memoryBytes} ${resultBytes} ${Buffer.byteLength(tests)}`;
  return `${head} ${tests}${body}\n`;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A job's assert tests as forker.py compiles them (`[setup, asserts]`, "" for other kinds) and its body
 * as child.py parses it (also what the SandboxFusion driver, python/fusion.py, passes on):
 * `KIND STOP CPU_MS MEMORY_BYTES OUTPUT_BYTES NPROC SECRET PROGRAM REST`, PROGRAM in base64 and REST the
 * other fields as JSON ("" when there are none, as for assert jobs). Why not all JSON: in the forked
 * child, decoding the whole job with json.loads touched ~70 more pages than splitting this line, and on a
 * nested-virtualisation guest each first touch after a fork costs 5–17 µs (issue 16; ~3 ms a program).
 * A program that is not well-formed UTF-16 (a lone surrogate) goes in REST as JSON, PROGRAM "-", so that
 * the child sees exactly the string Node had.
 */
export function jobParts(job: JobMessage): { tests: string; body: string } {
  // The id stays with the server (the J line); the child never needs it.
  const { setup, asserts, id, secret, kind, program, stopOnFirst, limits, ...rest } = job;
  void id;
  const tests = kind === "assert" ? JSON.stringify([setup ?? null, asserts ?? []]) : "";
  const exact = !loneSurrogate.test(program);
  const extra: Record<string, unknown> = exact ? rest : { ...rest, program };
  const head = [
    kind,
    stopOnFirst ? 1 : 0,
    limits.cpuMs,
    Math.floor(limits.memoryBytes),
    Math.floor(limits.outputBytes),
    limits.nproc,
    secret,
    exact ? Buffer.from(program, "utf8").toString("base64") : "-",
  ].join(" ");
  const tail = JSON.stringify(extra, exactReplacer);
  return { tests, body: `${head} ${tail === "{}" ? "" : tail}` };
}

export class SandboxWorker {
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  jobsRun = 0;
  private readonly child: ChildProcessWithoutNullStreams;
  /** The pieces of a line not yet ended by a newline (a captured value can be megabytes long). */
  private partial: string[] = [];
  private stderr = "";
  private alive = true;
  private current?: { id: number; onLine: (line: string) => void; finish: (end: JobEnd) => void };

  constructor(once: boolean, tag: string) {
    const { command, args } = sandboxCommand(once, tag);
    this.child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: {} });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdin.on("error", () => {}); // EPIPE when the sandbox is gone; `exit` reports it
    this.child.stderr.on("data", (s: string) => {
      this.stderr = (this.stderr + s).slice(-stderrKeep);
    });
    let started!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    this.ready.catch(() => {});
    const startTimer = setTimeout(() => {
      failed(new Error(`sandbox did not start within ${startTimeoutMs} ms`));
      this.kill();
    }, startTimeoutMs);
    this.child.stdout.on("data", (s: string) => this.receive(s, started));
    this.exited = new Promise<void>((resolve) => {
      let gone = false;
      const onGone = (why: string) => {
        if (gone) return;
        gone = true;
        this.alive = false;
        const said = this.stderr.trim().slice(-300);
        failed(new Error(`sandbox failed to start: ${why}${said ? `: ${said}` : ""}`));
        this.finishJob({ ok: false, reason: "crashed", detail: `sandbox ${why}${said ? `: ${said}` : ""}` });
        resolve();
      };
      this.child.on("error", (e) => onGone(e.message));
      this.child.on("close", (code, signal) =>
        onGone(signal ? `killed by ${signal}` : `exited with ${code}`),
      );
    });
    void this.ready.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );
  }

  /** Whether the process is still there (it may be busy). */
  get isAlive(): boolean {
    return this.alive;
  }

  private receive(chunk: string, started: () => void): void {
    // Only the new chunk is searched and a long line is joined once: appending to one string and
    // searching it again per 64 KiB chunk made a 7 MB value (HumanEval/15's outputs) quadratic.
    let from = 0;
    let newline: number;
    while ((newline = chunk.indexOf("\n", from)) >= 0) {
      this.partial.push(chunk.slice(from, newline));
      const line = this.partial.length === 1 ? this.partial[0]! : this.partial.join("");
      this.partial = [];
      from = newline + 1;
      const tag = line.slice(0, 2);
      if (tag === "L ") this.current?.onLine(line.slice(2));
      else if (tag === "E ") {
        const end = JSON.parse(line.slice(2)) as RunEnd & { id: number };
        if (this.current && end.id === this.current.id) this.finishJob({ ok: true, end });
      } else if (tag === "R ") started();
    }
    if (from < chunk.length) this.partial.push(chunk.slice(from));
  }

  private finishJob(end: JobEnd): void {
    const current = this.current;
    this.current = undefined;
    current?.finish(end);
  }

  /** Runs one job; `onLine` sees each result line as it arrives. Resolves when the job has ended. */
  run(job: JobMessage, onLine: (line: string) => void): Promise<JobEnd> {
    if (this.current) throw new Error("executor: worker is busy");
    if (!this.alive) return Promise.resolve({ ok: false, reason: "crashed", detail: "the sandbox is gone" });
    this.jobsRun++;
    return new Promise<JobEnd>((resolve) => {
      const backstop = setTimeout(() => {
        this.finishJob({ ok: false, reason: "backstop", detail: "the sandbox did not end the run in time" });
        this.kill();
      }, job.limits.wallMs + backstopGraceMs);
      this.current = {
        id: job.id,
        onLine,
        finish: (end) => {
          clearTimeout(backstop);
          resolve(end);
        },
      };
      this.child.stdin.write(jobLine(job));
    });
  }

  /** Asks the server to stop the running job (stop at the first failure). */
  stop(id: number): void {
    if (this.alive) this.child.stdin.write(`K ${id}\n`);
  }

  /**
   * Ends the sandbox: an idle server is asked to exit (it closes on end of input, so its children's
   * CPU time is accounted to this process), a busy one or one that does not exit in time is killed.
   */
  close(): Promise<void> {
    if (this.current || !this.alive) this.kill();
    else {
      this.child.stdin.end();
      const timer = setTimeout(() => this.kill(), 2000);
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** Kills the sandbox: the server is PID 1 of its namespace, so every process in it dies too. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    this.alive = false;
  }
}
