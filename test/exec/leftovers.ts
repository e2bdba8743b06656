/** Finding processes an executor's sandboxes left behind, by the tag in their command line or environment. */
import { readdirSync, readFileSync } from "node:fs";

function read(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return "";
  }
}

/** PIDs of live (non-zombie) processes whose command line or environment carries `tag`. */
export function sandboxProcesses(tag: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      const state = read(`/proc/${pid}/stat`).replace(/^.*\) /, "")[0];
      if (state === undefined || state === "Z") return false;
      return read(`/proc/${pid}/cmdline`).includes(tag) || read(`/proc/${pid}/environ`).includes(tag);
    })
    .map(Number);
}
