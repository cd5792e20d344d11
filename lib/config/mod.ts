// The config layer's public API: one schema, units, validation, hashing.
export {
  type MixPartConfig,
  type RunConfig,
  type RunConfigInput,
  runConfigSchema,
  WORKLOAD_KINDS,
  type WorkloadConfig,
} from "./schema.ts";
export { checkConfig, ConfigError, parseConfig } from "./validate.ts";
export {
  formatBandwidth,
  formatDuration,
  formatSize,
  parseBandwidth,
  parseDuration,
  parseOpsRate,
  parseSize,
  UnitError,
} from "../units/mod.ts";
export { canonicalJson, configHash, sha256Hex } from "./canonical.ts";
export { applyOverrides, mergeInputs, parseAssignment, parseValue, setPath } from "./overrides.ts";
export { JSON_SCHEMA_PATH, runConfigJsonSchema, runConfigJsonSchemaText } from "./json_schema.ts";
export { ConfigFileError, readConfigFile, withoutSchemaKey } from "./file.ts";
export { type ConfigLeaf, configLeaves, flattenConfig, type LeafKind } from "./flatten.ts";
