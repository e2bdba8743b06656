/** Starts `linewise serve-*` commands as real child processes on free ports, for the server and teacher tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";

export interface ServedModel {
  /** Base URL ending in /v1, as the command prints it. */
  url: string;
  child: ChildProcess;
  /** Everything the command wrote to stderr so far. */
  stderr: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Runs `linewise serve-model --model dir --port 0 ...extra` and waits for the URL line on stdout. */
export function serveModel(dir: string, ...extra: string[]): Promise<ServedModel> {
  return serve("serve-model", ["--model", dir, ...extra], /at (http:\/\/\S+\/v1)/);
}

/**
 * Runs `linewise COMMAND --port 0 ...args` and waits for `urlPattern` (its first group: the URL) on stdout;
 * with `prefix`, through that command (e.g. `ip netns exec NS`, which execs node in place).
 */
export async function serve(
  command: string,
  args: string[],
  urlPattern = /at (http:\/\/\S+)/,
  prefix: string[] = [],
): Promise<ServedModel> {
  const linewise = [process.execPath, join(packageRoot, "bin/linewise.js"), command, "--port", "0", ...args];
  const [program, ...programArgs] = [...prefix, ...linewise];
  const child = spawn(program!, programArgs, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LINEWISE_THREADS: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      const match = urlPattern.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) =>
      reject(new Error(`${command} exited with ${code} before listening: ${stderr}`)),
    );
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
