// The one seeded PRNG: xoshiro128** (Blackman & Vigna, "Scrambled linear
// pseudorandom number generators", ACM TOMS 2021; reference C at
// prng.di.unimi.it). 128 bits of state in four 32-bit ints, so the hot loop
// needs only Math.imul, shifts and xors: no BigInt. Independent streams (mix
// parts, a Zipf permutation) are derived from the config seed and a label
// path by hashing, never from another stream's position, so adding a draw in
// one stream cannot shift another.

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/** A label in a stream's derivation path: a name or an index. */
export type StreamLabel = string | number;

/** xoshiro128**. Fields are public so hot loops can keep them in locals. */
export class Rng {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  /** The 64-bit derivation key (two 32-bit halves) this stream was seeded from. */
  readonly keyHi: number;
  readonly keyLo: number;

  private constructor(keyHi: number, keyLo: number) {
    this.keyHi = keyHi >>> 0;
    this.keyLo = keyLo >>> 0;
    // splitmix32-style expansion of the key into the four state words; the
    // all-zero state (the one fixed point of xoshiro) cannot come out of it
    // because the fourth word is forced odd.
    let x = this.keyLo ^ Math.imul(this.keyHi, 0x9e3779b9);
    x = (x + 0x9e3779b9) | 0;
    // State words are kept as int32 so V8 stores them untagged.
    this.s0 = fmix32(x ^ this.keyHi) | 0;
    x = (x + 0x9e3779b9) | 0;
    this.s1 = fmix32(x) | 0;
    x = (x + 0x9e3779b9) | 0;
    this.s2 = fmix32(x ^ this.keyHi) | 0;
    x = (x + 0x9e3779b9) | 0;
    this.s3 = fmix32(x) | 1;
  }

  /** The stream for a config seed (a non-negative integer) and a label path. */
  static fromSeed(seed: number, ...labels: StreamLabel[]): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed ${seed} is not a non-negative safe integer`);
    }
    let hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let lo = seed >>> 0;
    [hi, lo] = mixKey(hi ^ 0x5eed5eed, lo);
    for (const l of labels) [hi, lo] = absorb(hi, lo, l);
    return new Rng(hi, lo);
  }

  /** A stream with exactly the given xoshiro128** state (for reference vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    if ((s0 | s1 | s2 | s3) === 0) throw new RangeError("xoshiro128** state must not be all zero");
    const r = new Rng(0, 0);
    r.s0 = s0 | 0;
    r.s1 = s1 | 0;
    r.s2 = s2 | 0;
    r.s3 = s3 | 0;
    return r;
  }

  /**
   * An independent child stream, from this stream's key and more labels. It
   * does not depend on how many numbers this stream has drawn.
   */
  derive(...labels: StreamLabel[]): Rng {
    let hi = this.keyHi;
    let lo = this.keyLo;
    for (const l of labels) [hi, lo] = absorb(hi, lo, l);
    return new Rng(hi, lo);
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits (two draws). */
  nextFloat(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) * TWO_POW_MINUS_53;
  }

  /** A uniform integer in [0, n), n ≤ 2^53, without modulo bias. */
  nextBelow(n: number): number {
    if (n <= 0 || !Number.isSafeInteger(n)) throw new RangeError(`bound ${n} is not in 1..2^53`);
    if (n <= SMALL_BOUND) {
      // Lemire's multiply-shift with rejection: x·n < 2^53 is exact in a double.
      for (;;) {
        const m = this.nextU32() * n;
        const hi = Math.floor(m * TWO_POW_MINUS_32);
        const lo = m - hi * TWO_POW_32;
        if (lo >= n || lo >= (TWO_POW_32 - n) % n) return hi;
      }
    }
    return Math.floor(this.nextFloat() * n);
  }
}

const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
/** Bounds up to this use one 32-bit draw (exact, unbiased); above it 53-bit floats. */
export const SMALL_BOUND = 2 ** 21;

/** MurmurHash3's 32-bit finalizer: a bijective avalanche on 32 bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixKey(hi: number, lo: number): [number, number] {
  const a = fmix32((lo + Math.imul(hi, 0x9e3779b9)) | 0);
  const b = fmix32((hi ^ a) + 0x7f4a7c15);
  return [b, fmix32(a ^ Math.imul(b, 0x27d4eb2f))];
}

function absorb(hi: number, lo: number, label: StreamLabel): [number, number] {
  if (typeof label === "number") {
    if (!Number.isSafeInteger(label)) {
      throw new RangeError(`stream label ${label} is not an integer`);
    }
    const h = Math.floor(Math.abs(label) / TWO_POW_32) ^ (label < 0 ? 0x80000000 : 0);
    return mixKey(hi ^ fmix32(h ^ 0x1abe1), lo ^ (Math.abs(label) >>> 0));
  }
  // FNV-1a over UTF-16 code units, then mixed into the key.
  let f = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) f = Math.imul(f ^ label.charCodeAt(i), 0x01000193);
  return mixKey(hi ^ 0x57a1, lo ^ (f >>> 0));
}
