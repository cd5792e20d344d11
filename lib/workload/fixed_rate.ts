// Timing of the synthetic kinds: operation k is issued at exactly
// t(k) = k·1e9/rate ns, so the operations in [0, T) number ceil(T·rate/1e9)
// and the dirtying rate the analytic pre-copy tests assume (D = rate ×
// writeFraction) holds exactly, not on average. Where an operation goes is
// the job of an OpSource (one per kind); whether it writes is a Bernoulli
// draw from its own stream, so changing writeFraction never moves addresses.

import { Rng } from "./rng.ts";
import { batchCapacity } from "./batch.ts";
import type { DmaBatch, IovaRange, WorkloadBatch, WorkloadGenerator } from "./types.ts";

/** Where operations go: one per synthetic kind. */
export interface OpSource {
  /** Writes operations into batch[start, start + n): iova, length and write. */
  emit(batch: DmaBatch, start: number, n: number): void;
  /** Ranges that contain every access (see WorkloadGenerator.ranges). */
  readonly ranges: readonly IovaRange[];
  /** Payload bytes of every operation emitted so far (Σ length). */
  readonly emittedBytes: number;
}

const TWO_POW_32 = 4294967296;

/** Time of operation k at `rate` operations/s, ns. One formula, used everywhere. */
export function opTimeNs(k: number, rate: number): number {
  return (k * 1e9) / rate;
}

/** How many operations k ≥ 0 have opTimeNs(k) < untilNs. */
export function opsBefore(untilNs: number, rate: number): number {
  if (!(rate > 0) || !(untilNs > 0)) return 0;
  if (untilNs === Infinity) return Infinity;
  // The estimate is off by at most one either way from rounding; settle it
  // against the formula itself so that the count and the times agree.
  let k = Math.max(0, Math.ceil((untilNs * rate) / 1e9));
  while (opTimeNs(k, rate) < untilNs) k++;
  while (k > 0 && opTimeNs(k - 1, rate) >= untilNs) k--;
  return k;
}

/**
 * The write flags of n operations from `rng`: each is 1 with probability
 * `threshold`/2^32. Branch-free, because a 50 % coin mispredicts half the
 * time and would cost more than the draw. Fractions 0 and 1 draw nothing.
 */
export function fillWrites(
  rng: Rng,
  write: Uint8Array,
  start: number,
  n: number,
  threshold: number,
): void {
  if (threshold <= 0) {
    write.fill(0, start, start + n);
    return;
  }
  if (threshold >= TWO_POW_32) {
    write.fill(1, start, start + n);
    return;
  }
  let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
  const end = start + n;
  for (let i = start; i < end; i++) {
    // xoshiro128** step, inlined (rng.ts has the reference form)
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    // +(boolean) compiles to a setcc: no branch.
    write[i] = +(r < threshold);
  }
  rng.s0 = s0;
  rng.s1 = s1;
  rng.s2 = s2;
  rng.s3 = s3;
}

/** The comparison threshold for a write fraction in [0, 1]. */
export function writeThreshold(writeFraction: number): number {
  if (!(writeFraction >= 0 && writeFraction <= 1)) {
    throw new RangeError(`writeFraction ${writeFraction} is not in [0, 1]`);
  }
  return writeFraction * TWO_POW_32;
}

/** A generator issuing a source's operations at fixed spacing 1e9/rate ns. */
export class FixedRateGenerator implements WorkloadGenerator {
  private next = 0;

  constructor(
    readonly kind: string,
    private readonly rate: number,
    private readonly source: OpSource,
  ) {
    if (!(rate >= 0) || !Number.isFinite(rate)) {
      throw new RangeError(`rate ${rate} is not a finite number >= 0`);
    }
  }

  get nowNs(): number {
    return this.rate > 0 ? opTimeNs(this.next, this.rate) : Infinity;
  }

  get issued(): number {
    return this.next;
  }

  get issuedBytes(): number {
    return this.source.emittedBytes;
  }

  get ranges(): readonly IovaRange[] {
    return this.source.ranges;
  }

  fill(batch: WorkloadBatch, untilNs: number): number {
    if (Number.isNaN(untilNs)) throw new RangeError("fill: untilNs is NaN");
    const capacity = batchCapacity(batch);
    const due = opsBefore(untilNs, this.rate) - this.next;
    if (!(due > 0)) return 0;
    const n = due < capacity ? due : capacity;
    this.source.emit(batch, 0, n);
    const times = batch.timeNs;
    if (times !== undefined) {
      const k0 = this.next, rate = this.rate;
      for (let i = 0; i < n; i++) times[i] = ((k0 + i) * 1e9) / rate;
    }
    this.next += n;
    return n;
  }
}
