/** The built-in problem suite: generated from a seed, with held-out step combinations in the test split. */
export {
  buildSuite,
  suiteDefaults,
  SuiteBuildError,
  type SuiteOptions,
  type SuiteProgress,
} from "./build.js";
export { candidates, type Candidate } from "./candidates.js";
export { heldOutPercent, inSplit, isHeldOutPair, pairKeys, type Composition, type Split } from "./compose.js";
export { renderPrompt, renderResponse } from "./render.js";
