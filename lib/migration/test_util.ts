// simulate() as the tests call it: every result is checked against the
// contract (contract.ts) before a test looks at it, so no test passes on a
// result that breaks the rules every run keeps.

import { checkSimResult } from "./contract.ts";
import { simulate, type SimulateOptions } from "./simulate.ts";
import type { SimResult } from "./types.ts";

/** simulate(input, options), then checkSimResult on what it returns. */
export async function simulateChecked(
  input: unknown = {},
  options: SimulateOptions = {},
): Promise<SimResult> {
  return checkSimResult(await simulate(input, options));
}
