// Helpers shared by this folder's tests: build a generator from a config
// input, collect its operations, and the statistics the checks use.

import { parseConfig, type RunConfigInput } from "../config/mod.ts";
import { createBatch, createWorkload, type WorkloadGenerator } from "./mod.ts";

/**
 * Upper and lower 0.001 critical values of χ² (NIST/SEMATECH e-Handbook of
 * Statistical Methods, §1.3.6.7.4, table of critical values of the
 * chi-square distribution): 149.449 and 61.918 for 100 degrees of freedom,
 * 148.230 and 61.137 for 99. Seeds are fixed, so a test either always
 * passes or always fails; the bounds say how unlikely a failure would be.
 */
export const CHI2_DF100_UPPER_0001 = 149.449;
export const CHI2_DF100_LOWER_0001 = 61.918;
export const CHI2_DF99_UPPER_0001 = 148.230;
export const CHI2_DF99_LOWER_0001 = 61.137;

export async function generator(
  workload: RunConfigInput["workload"],
  opts: { seed?: number; memory?: string | number } = {},
): Promise<WorkloadGenerator> {
  const c = parseConfig({
    seed: opts.seed ?? 1,
    guest: { memory: opts.memory ?? "4GiB" },
    workload,
  });
  return await createWorkload(c.workload, { seed: c.seed, guestMemory: c.guest.memory });
}

export interface Ops {
  iova: Float64Array;
  length: Uint32Array;
  write: Uint8Array;
  timeNs: Float64Array;
}

/** The next `count` operations (however far in time), through batches of `capacity`. */
export function take(g: WorkloadGenerator, count: number, capacity = 4096): Ops {
  const out: Ops = {
    iova: new Float64Array(count),
    length: new Uint32Array(count),
    write: new Uint8Array(count),
    timeNs: new Float64Array(count),
  };
  const batch = createBatch(capacity, { time: true });
  let done = 0;
  while (done < count) {
    const n = g.fill(batch, Infinity);
    if (n === 0) break;
    const k = Math.min(n, count - done);
    out.iova.set(batch.iova.subarray(0, k), done);
    out.length.set(batch.length.subarray(0, k), done);
    out.write.set(batch.write.subarray(0, k), done);
    out.timeNs.set(batch.timeNs!.subarray(0, k), done);
    done += k;
    if (k < n) break;
  }
  if (done < count) throw new Error(`generator ran dry after ${done} of ${count} operations`);
  return out;
}

/** Pearson's χ² of observed counts against expected counts. */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): number {
  let x = 0;
  for (let i = 0; i < observed.length; i++) x += (observed[i] - expected[i]) ** 2 / expected[i];
  return x;
}

/** |observed − p| is within z standard errors of a binomial proportion over n trials. */
export function withinSigmas(observed: number, p: number, n: number, z = 4): boolean {
  return Math.abs(observed - p) <= z * Math.sqrt((p * (1 - p)) / n);
}
