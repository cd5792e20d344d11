// The migration layer's public API: simulate() and what it returns.
export { simulate, type SimulateOptions } from "./simulate.ts";
export { checkSimResult, SimContractError, simResultProblems } from "./contract.ts";
export { Verifier } from "./verifier.ts";
export { formatResult } from "./format.ts";
export {
  ENGINE_SOURCE_DIRS,
  engineSourceFiles,
  engineSourceVersion,
  isEngineSource,
} from "./version.ts";
export {
  ENGINE_VERSION,
  type RoundRecord,
  type SimResult,
  type Summary,
  SUMMARY_METRICS,
} from "./types.ts";
