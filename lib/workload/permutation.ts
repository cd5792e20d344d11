// A fixed pseudo-random permutation of [0, n) in O(1) memory: a 4-round
// Feistel network on the smallest power of two ≥ n, with cycle walking to
// stay inside [0, n) (Black & Rogaway, "Ciphers with arbitrary finite
// domains", CT-RSA 2002). Zipf's `scatter` uses it to spread the hot ranks of
// millions of pages over the working set without a table of millions of
// entries. Unbalanced halves keep the domain < 2n, so a walk takes < 2 steps
// on average.

import { fmix32, type Rng } from "./rng.ts";

/**
 * Not a knob, so not exported: roundTable()'s layout (two tables of each
 * half's width) and ZipfSource.tailPass's unrolled rounds (zipf.ts) assume
 * four; zipf_exact_test.ts, the inlined stream against apply(), fails if
 * they part.
 */
const ROUNDS = 4;

/** Fields are public so hot loops can keep them in locals (ZipfSource inlines apply). */
export class FeistelPermutation {
  readonly bits: number;
  /** Round keys, int32. */
  readonly keys: Int32Array;
  /** Widths of the high and low halves entering round 0. */
  readonly hiBits: number;
  readonly loBits: number;

  constructor(readonly size: number, rng: Rng) {
    if (!Number.isSafeInteger(size) || size < 1 || size > 2 ** 32) {
      throw new RangeError(`permutation size ${size} is not in 1..2^32`);
    }
    this.bits = size <= 1 ? 0 : Math.ceil(Math.log2(size));
    this.hiBits = this.bits >>> 1;
    this.loBits = this.bits - this.hiBits;
    this.keys = new Int32Array(ROUNDS);
    for (let r = 0; r < ROUNDS; r++) this.keys[r] = rng.nextU32() | 0;
  }

  /**
   * Every round's F_r(lo) = fmix32(lo ⊕ key_r) masked, for all lo of that
   * round's width, the four rounds one after another (round r starts at
   * roundOffset(r)): a hot loop's round is then one load. At most 4·2^16.
   */
  roundTable(): Uint16Array {
    const out = new Uint16Array(2 * (1 << this.loBits) + 2 * (1 << this.hiBits));
    for (let r = 0, o = 0; r < ROUNDS; r++) {
      const a = (r & 1) === 0 ? this.hiBits : this.loBits;
      const b = this.bits - a;
      for (let lo = 0; lo < 1 << b; lo++) out[o + lo] = fmix32(lo ^ this.keys[r]) & ((1 << a) - 1);
      o += 1 << b;
    }
    return out;
  }

  /** The image of x ∈ [0, size). */
  apply(x: number): number {
    const n = this.size;
    do x = this.encrypt(x); while (x >= n);
    return x;
  }

  /** The x with apply(x) = y. */
  invert(y: number): number {
    const n = this.size;
    do y = this.decrypt(y); while (y >= n);
    return y;
  }

  // Round r maps x = (hi, lo), hi of a bits and lo of b bits, to
  // (lo, hi ⊕ F_r(lo)) with widths (b, a): a bijection for any widths, so the
  // network is one. Both halves have at most 16 bits, so int32 ops are exact.
  private encrypt(x: number): number {
    for (let r = 0; r < ROUNDS; r++) {
      const a = (r & 1) === 0 ? this.hiBits : this.loBits;
      const b = this.bits - a;
      const hi = x >>> b;
      const lo = x & ((1 << b) - 1);
      const f = fmix32(lo ^ this.keys[r]) & ((1 << a) - 1);
      x = lo * (1 << a) + (hi ^ f);
    }
    return x;
  }

  private decrypt(y: number): number {
    for (let r = ROUNDS - 1; r >= 0; r--) {
      const a = (r & 1) === 0 ? this.hiBits : this.loBits;
      const b = this.bits - a;
      const lo = y >>> a;
      const f = fmix32(lo ^ this.keys[r]) & ((1 << a) - 1);
      const hi = (y & ((1 << a) - 1)) ^ f;
      y = hi * (1 << b) + lo;
    }
    return y;
  }
}
