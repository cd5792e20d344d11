// The one error of the advise layer: input it cannot answer for (a bad limit,
// a malformed trace, two workloads at once). The command prints its message as
// one line and exits with code 2; anything else is a bug and keeps its stack.

/** Bad advise input; the message names the option or file and what is allowed. */
export class AdviseError extends Error {
  override name = "AdviseError";
}
