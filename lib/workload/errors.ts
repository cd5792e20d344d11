// Errors a workload raises when it cannot start: a trace file that is missing
// or malformed (naming the path and the row), a kind nobody registered, or a
// config that was not validated and breaks an invariant.

/** A workload that cannot be built; the message names the path, row or key. */
export class WorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkloadError";
  }
}
