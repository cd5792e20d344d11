// Running a sweep beyond one machine, as an array job of the cluster's own
// scheduler: shards (task i of n runs every n-th point into a shared results
// directory of run files), the job files (`--emit slurm|k8s`), merging that
// directory into the store, and a whole sweep on Slurm in one call (emit,
// submit, watch, merge). Built on lib/sweep's skeleton and lib/cluster's client.

export {
  parseShard,
  parseWholeNumber,
  runShard,
  type Shard,
  SHARD_COUNT_ENV,
  ShardError,
  shardFromEnv,
  type ShardOptions,
  shardPoints,
  type ShardResult,
  shardSweepId,
} from "./shard.ts";
export {
  fileNames,
  manifestName,
  pointFileName,
  type ResultsDirSink,
  resultsDirSink,
  type ShardManifest,
} from "./results_dir.ts";
export { ingestDir, type MergeOptions, mergeShards, sweepsFromManifests } from "./merge.ts";
export {
  emitJob,
  type EmitKind,
  type EmitOptions,
  type EmitResult,
  k8sManifest,
  slurmScript,
} from "./emit.ts";
export {
  type CommandOutcome,
  commandSpec,
  failureLines,
  runSweepCommand,
  type SweepCommandOptions,
  sweepExitCode,
  type SweepMode,
  sweepMode,
  SweepUsageError,
} from "./command.ts";
export {
  checkWritable,
  maxArraySize,
  runOnSlurm,
  type SlurmProgress,
  slurmProgressLine,
  type SlurmProgressOption,
  SlurmRunError,
  type SlurmRunOptions,
  type SlurmRunResult,
} from "./slurm_run.ts";
