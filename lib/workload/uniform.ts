// `uniform`: each operation picks one of the working set's accessSize-aligned
// slots uniformly at random (source.ts has the geometry). The draw is exact:
// a shift when the slot count is a power of two, Lemire's multiply-and-reject
// for up to 2^21 slots (D. Lemire, "Fast random integer generation in an
// interval", ACM TOMACS 29(1), 2019), and a 53-bit float beyond (relative bias
// at most slots/2^53).

import { fillWrites, type OpSource, writeThreshold } from "./fixed_rate.ts";
import type { Rng } from "./rng.ts";
import { checkCommon, type CommonFields, slotCount, type SourceContext } from "./source.ts";
import type { DmaBatch, IovaRange } from "./types.ts";

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
const LEMIRE_MAX = 2 ** 21; // r·slots < 2^53 stays exact in a double

/** Lemire's draw after a rejection: on until the low word reaches `reject`. */
function redrawSlot(rng: Rng, slots: number, reject: number): number {
  for (;;) {
    const p = rng.nextU32() * slots;
    const slot = (p * TWO_POW_MINUS_32) >>> 0;
    if (p - slot * TWO_POW_32 >= reject) return slot;
  }
}

export class UniformSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  emittedBytes = 0;
  private readonly slots: number;
  private readonly address: Rng;
  private readonly writes: Rng;
  private readonly threshold: number;

  constructor(private readonly c: CommonFields, ctx: SourceContext) {
    checkCommon(c, ctx);
    this.slots = slotCount(c);
    this.address = ctx.stream("address");
    this.writes = ctx.stream("write");
    this.threshold = writeThreshold(c.writeFraction);
    this.ranges = [{ start: c.offset, end: c.offset + this.slots * c.accessSize }];
  }

  emit(batch: DmaBatch, start: number, n: number): void {
    const { offset, accessSize } = this.c;
    const slots = this.slots;
    const iova = batch.iova;
    const end = start + n;
    const rng = this.address;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
    const log2 = Math.log2(slots);
    if (slots > 1 && slots <= TWO_POW_32 && Number.isInteger(log2)) {
      const shift = 32 - log2;
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
        iova[i] = offset + (r >>> shift) * accessSize;
      }
    } else if (slots <= LEMIRE_MAX) {
      const reject = (TWO_POW_32 - slots) % slots;
      for (let i = start; i < end; i++) {
        // Lemire: r·slots < 2^53 is exact; its high word is the slot (>>> 0
        // truncates, which is floor here), its low word below `reject` means
        // draw again (rare: reject < slots ≤ 2^21 of 2^32).
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        const p = r * slots;
        let slot = (p * TWO_POW_MINUS_32) >>> 0;
        if (p - slot * TWO_POW_32 < reject) {
          // Rejected: draw again from the object (a loop here would keep the
          // state out of registers for every operation).
          rng.s0 = s0;
          rng.s1 = s1;
          rng.s2 = s2;
          rng.s3 = s3;
          slot = redrawSlot(rng, slots, reject);
          s0 = rng.s0;
          s1 = rng.s1;
          s2 = rng.s2;
          s3 = rng.s3;
        }
        iova[i] = offset + slot * accessSize;
      }
    } else {
      for (let i = start; i < end; i++) {
        let m = Math.imul(s1, 5);
        const a = Math.imul((m << 7) | (m >>> 25), 9) >>> 5;
        let t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        m = Math.imul(s1, 5);
        const b = Math.imul((m << 7) | (m >>> 25), 9) >>> 6;
        t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        const u = (a * 67108864 + b) * TWO_POW_MINUS_53;
        iova[i] = offset + Math.floor(u * slots) * accessSize;
      }
    }
    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;
    // The write flags from their own stream, in a pass of their own: flag i is
    // the stream's i-th draw either way, and fillWrites skips the draws for
    // writeFraction 0 or 1 (nothing else reads the stream).
    fillWrites(this.writes, batch.write, start, n, this.threshold);
    batch.length.fill(accessSize, start, end);
    this.emittedBytes += n * accessSize;
  }
}
