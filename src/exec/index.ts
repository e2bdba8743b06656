/** The sandboxed Python executor (DESIGN.md, "The executor"): the public entry point of src/exec. */
export {
  createExecutor,
  type Capture,
  type ExecutorOptions,
  type SandboxExecutor,
  type ScriptRun,
} from "./executor.js";
export { defaultLimits, type Comparison, type RunOptions } from "./limits.js";
export { parseJsonExact, stringifyExact } from "./exactJson.js";
export { valuesEqual, outputsEqual } from "./compare.js";
export type { Executor, Limits, Status, Verdict } from "./types.js";
