// Batches of DMA operations as typed arrays, allocated once and reused for
// every fill(): the hot path never allocates per operation.

import type { WorkloadBatch } from "./types.ts";

/** A batch of `capacity` operations; `time: true` adds the timeNs column. */
export function createBatch(capacity: number, opts: { time?: boolean } = {}): WorkloadBatch {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`batch capacity ${capacity} is not a positive integer`);
  }
  const batch: WorkloadBatch = {
    iova: new Float64Array(capacity),
    length: new Uint32Array(capacity),
    write: new Uint8Array(capacity),
  };
  if (opts.time) batch.timeNs = new Float64Array(capacity);
  return batch;
}

/** The batch's capacity; its arrays must agree. */
export function batchCapacity(batch: WorkloadBatch): number {
  const n = batch.iova.length;
  if (
    batch.length.length !== n || batch.write.length !== n ||
    (batch.timeNs !== undefined && batch.timeNs.length !== n)
  ) {
    throw new RangeError(
      `batch arrays differ in length: iova ${n}, length ${batch.length.length}, write ${batch.write.length}` +
        (batch.timeNs ? `, timeNs ${batch.timeNs.length}` : ""),
    );
  }
  return n;
}
