// Running work on a cluster scheduler: Slurm array jobs through Slurm's client
// commands (slurm.ts) and a real single-node Slurm on this machine for tests
// and for trying it out (slurm_local.ts, wrapping scripts/slurm-local).
export {
  arraySpec,
  type ArrayTask,
  arrayTasks,
  cancel,
  FINAL_STATES,
  type JobState,
  jobState,
  runSlurm,
  type SlurmClientOptions,
  SlurmError,
  submitArray,
  type SubmitArrayOptions,
  waitForJob,
  type WaitOptions,
} from "./slurm.ts";
export {
  DAEMON_NAMES,
  type DaemonName,
  type LocalSlurm,
  type LocalSlurmOptions,
  type LocalSlurmStatus,
  type ProcessState,
  processState,
  slurmLocal,
} from "./slurm_local.ts";
