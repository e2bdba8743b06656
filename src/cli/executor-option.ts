/**
 * `--exec-url URL…` and `--exec-token TOKEN`, shared by every command that runs programs (exec, eval,
 * label, ppo, grpo, compare): with URLs, programs run on `linewise serve-exec` servers or, for URLs
 * `sandboxfusion+http://…`, SandboxFusion servers (a RemoteExecutor spreading them by free slots and
 * re-running a failed server's programs elsewhere); without, in a local sandbox. One place, so each command gains the options by spreading `executorOptions` into its own.
 */
import { createExecutor, type ExecutorOptions, type SandboxExecutor } from "../exec/index.js";
import { RemoteExecutor } from "../exec/remote.js";
import { execTarget } from "../exec/sandbox-fusion-client.js";
import { envVars } from "../env.js";
import { UsageError } from "./command.js";

/** The parseArgs spec of the options; `--exec-url` may repeat and takes comma-separated lists. */
export const executorOptions = {
  "exec-url": { type: "string", multiple: true },
  "exec-token": { type: "string" },
} as const;

/** The help lines for the options, the text starting at column `width` as in the command's own help. */
export function executorHelp(width: number): string {
  const lines: [string, string[]][] = [
    [
      "--exec-url URL",
      [
        "run programs on 'linewise serve-exec' servers instead of a local sandbox;",
        "repeat it or separate URLs with commas: programs go to whichever server has",
        "free slots, and a server that fails has its programs re-run on another;",
        "sandboxfusion+http://HOST:PORT[?concurrency=N] is a SandboxFusion server",
        "(its /run_code runs linewise's harness; N requests at once, default 4)",
      ],
    ],
    ["--exec-token T", ["bearer token for those servers (default: $LINEWISE_TOKEN)"]],
  ];
  // An option too long for the command's column goes on a line of its own, its text below it.
  return lines
    .flatMap(([option, text]) => {
      const head = `  ${option}`;
      const fits = head.length < width;
      const body = text.map((t, i) => (i === 0 && fits ? head.padEnd(width) : " ".repeat(width)) + t);
      return fits ? body : [head, ...body];
    })
    .join("\n");
}

/** The URLs given, checked; empty when the options are absent. */
export function execUrls(command: string, values: { "exec-url"?: string[] | undefined }): string[] {
  const urls = (values["exec-url"] ?? [])
    .flatMap((u) => u.split(","))
    .map((u) => u.trim())
    .filter(Boolean);
  for (const url of urls) {
    try {
      execTarget(url);
    } catch (e) {
      throw new UsageError(`linewise ${command}: --exec-url ${(e as Error).message}`);
    }
  }
  return urls;
}

/** A RemoteExecutor over `--exec-url` when given, else a local sandbox with `local`'s options. */
export function openExecutor(
  command: string,
  values: { "exec-url"?: string[] | undefined; "exec-token"?: string | undefined },
  local: ExecutorOptions = {},
): SandboxExecutor {
  const urls = execUrls(command, values);
  if (urls.length === 0) return createExecutor(local);
  const token = values["exec-token"] ?? envVars.LINEWISE_TOKEN;
  return new RemoteExecutor({ urls, ...(token ? { token } : {}) });
}
