// `mix`: several devices (or one device with several behaviours) sharing one
// operation stream. Each operation belongs to part j with probability
// weight_j / Σ weight, drawn from the mix's own stream; the part then places
// it with its own streams, so a part's operations are the same whatever the
// other parts are. The mix's rate governs timing (parts have no rate); parts
// inherit writeFraction, accessSize, workingSet and offset from the mix when
// they do not set them (the schema does that, lib/config/schema.ts).

import { WorkloadError } from "./errors.ts";
import type { OpSource } from "./fixed_rate.ts";
import type { Rng } from "./rng.ts";
import type { DmaBatch, IovaRange } from "./types.ts";

const TWO_POW_32 = 4294967296;

export interface MixPart {
  source: OpSource;
  weight: number;
}

/** Sorted, merged union of ranges. */
export function mergeRanges(ranges: readonly IovaRange[]): IovaRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: IovaRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

export class MixSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  /** Every operation is one of a part's, so the parts' bytes add up. */
  get emittedBytes(): number {
    let s = 0;
    for (const src of this.sources) s += src.emittedBytes;
    return s;
  }
  private readonly sources: OpSource[];
  /** Part j takes the draws r < bounds[j] (and ≥ bounds[j − 1]); the last bound is 2^32. */
  private readonly bounds: Float64Array;

  constructor(parts: MixPart[], private readonly choice: Rng, key = "workload") {
    if (parts.length === 0 || parts.length > 65535) {
      throw new WorkloadError(`${key}.parts: ${parts.length} parts; a mix takes 1..65535`);
    }
    let total = 0;
    parts.forEach((p, j) => {
      if (!(p.weight > 0) || !Number.isFinite(p.weight)) {
        throw new WorkloadError(`${key}.parts[${j}].weight: ${p.weight} is not a number > 0`);
      }
      total += p.weight;
    });
    this.sources = parts.map((p) => p.source);
    this.bounds = new Float64Array(parts.length);
    let acc = 0;
    parts.forEach((p, j) => {
      acc += p.weight;
      this.bounds[j] = j === parts.length - 1 ? TWO_POW_32 : Math.round((acc / total) * TWO_POW_32);
    });
    this.ranges = mergeRanges(parts.flatMap((p) => p.source.ranges));
  }

  // Scratch, grown to the largest batch seen (never per operation).
  private choices = new Uint16Array(0);
  private scratch: DmaBatch = {
    iova: new Float64Array(0),
    length: new Uint32Array(0),
    write: new Uint8Array(0),
  };
  private counts = new Uint32Array(0);

  /**
   * Three passes instead of a call per operation: draw every operation's
   * part, let each part emit its operations into its own run of one scratch
   * batch (in order, so a part sees the same sequence as with one call
   * each; part j's run starts after the runs of parts < j), then interleave
   * them back in the drawn order.
   */
  emit(batch: DmaBatch, start: number, n: number): void {
    const sources = this.sources, bounds = this.bounds, last = bounds.length - 1;
    if (this.choices.length < n) this.grow(n);
    const choices = this.choices, counts = this.counts, scratch = this.scratch;
    counts.fill(0);
    const rng = this.choice;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
    if (last <= 3) {
      // Up to four parts: the part is the number of bounds r reaches, counted
      // without a branch (with equal weights a branch would mispredict half
      // the time); bounds past the last part are 2^32, which r never reaches.
      const b0 = last > 0 ? bounds[0] : TWO_POW_32, b1 = last > 1 ? bounds[1] : TWO_POW_32;
      const b2 = last > 2 ? bounds[2] : TWO_POW_32;
      for (let i = 0; i < n; i++) {
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
        const j = +(r >= b0) + +(r >= b1) + +(r >= b2);
        choices[i] = j;
        counts[j]++;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        let j = 0;
        while (j < last && r >= bounds[j]) j++;
        choices[i] = j;
        counts[j]++;
      }
    }
    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;
    // counts[j] becomes the start of part j's run, then its cursor.
    for (let j = 0, run = 0; j <= last; j++) {
      const c = counts[j];
      if (c > 0) sources[j].emit(scratch, run, c);
      counts[j] = run;
      run += c;
    }
    const iova = batch.iova, length = batch.length, write = batch.write;
    const fromIova = scratch.iova, fromLength = scratch.length, fromWrite = scratch.write;
    for (let i = 0; i < n; i++) {
      const c = counts[choices[i]]++;
      iova[start + i] = fromIova[c];
      length[start + i] = fromLength[c];
      write[start + i] = fromWrite[c];
    }
  }

  private grow(n: number): void {
    this.choices = new Uint16Array(n);
    this.counts = new Uint32Array(this.sources.length);
    this.scratch = {
      iova: new Float64Array(n),
      length: new Uint32Array(n),
      write: new Uint8Array(n),
    };
  }
}
