// What every synthetic source shares: its streams, the checks on the common
// fields (done again here, not only in config validation, because the engine
// must not trust a config it did not parse), and the accessSize-aligned slot
// geometry of uniform and stream.

import type { WorkloadConfig } from "../config/mod.ts";
import { formatSize } from "../units/mod.ts";
import { WorkloadError } from "./errors.ts";
import type { Rng } from "./rng.ts";

/** The fields every synthetic kind has. */
export type CommonFields = Pick<
  WorkloadConfig,
  "writeFraction" | "accessSize" | "workingSet" | "offset"
>;

export interface SourceContext {
  /** The named, independent stream of this source (e.g. "address", "write"). */
  stream(label: string): Rng;
  guestMemory: number;
  /** Config key of this source for messages: "workload" or "workload.parts[1]". */
  key: string;
}

const MAX_LENGTH = 0xffffffff; // DmaBatch.length is a Uint32Array

/** Throws a WorkloadError naming the key when the common fields are unusable. */
export function checkCommon(c: CommonFields, ctx: SourceContext): void {
  const k = ctx.key;
  for (const f of ["accessSize", "workingSet", "offset"] as const) {
    if (!Number.isSafeInteger(c[f]) || c[f] < 0) {
      throw new WorkloadError(`${k}.${f}: ${c[f]} is not a whole number of bytes`);
    }
  }
  if (c.accessSize < 1 || c.accessSize > MAX_LENGTH) {
    throw new WorkloadError(`${k}.accessSize: ${c.accessSize} is not in 1..${MAX_LENGTH} bytes`);
  }
  if (c.accessSize > c.workingSet) {
    throw new WorkloadError(
      `${k}.accessSize: ${formatSize(c.accessSize)} is larger than ${k}.workingSet ${
        formatSize(c.workingSet)
      }`,
    );
  }
  if (c.offset + c.workingSet > ctx.guestMemory) {
    throw new WorkloadError(
      `${k}: offset ${formatSize(c.offset)} + workingSet ${formatSize(c.workingSet)} is beyond ` +
        `guest memory ${formatSize(ctx.guestMemory)}`,
    );
  }
  if (!(c.writeFraction >= 0 && c.writeFraction <= 1)) {
    throw new WorkloadError(`${k}.writeFraction: ${c.writeFraction} is not in [0, 1]`);
  }
}

/**
 * accessSize-aligned slots of the working set: slot i is
 * [offset + i·accessSize, offset + (i+1)·accessSize). A tail shorter than
 * accessSize is never touched.
 */
export function slotCount(c: CommonFields): number {
  return Math.floor(c.workingSet / c.accessSize);
}
