/** Rewards for RL: outcome rewards from verdicts, process rewards from a PRM at step ends, per-token assembly. */
export {
  binaryReward,
  compilerFeedbackReward,
  compilerFeedbackLevels,
  fractionPassedReward,
  outcomeReward,
  SandboxErrorReward,
  type OutcomeKind,
} from "./outcome.js";
export { stepEndTokens, encodeSteps } from "./step-ends.js";
export { psgpoLineRewards, prlcoderStepRewards, type ProcessWeights } from "./process.js";
export {
  assembleRewards,
  atStepEnds,
  type AssembledRewards,
  type ProcessRewardAt,
  type RewardInputs,
} from "./assemble.js";
