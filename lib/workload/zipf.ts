// `zipf`: skewed reuse over the 4 KiB pages of the working set. Rank r ∈ 1..N
// is drawn with probability 1/(r^s·H_{N,s}), H_{N,s} = Σ_{i≤N} i^−s. The
// M = min(N, 2^16) hottest ranks come from a CDF table searched through a
// guide table (indexed search: H. C. Chen and Y. Asau, "On generating random
// variates from an empirical distribution", AIIE Trans. 6(2), 1974; L.
// Devroye, Non-Uniform Random Variate Generation, 1986, §III.2.4) that also
// holds each hot rank's page, so the common case is a lookup. Ranks beyond M
// come from rejection-inversion (W. Hörmann and G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete
// distributions", ACM TOMACS 6(3):169–184, 1996) in the form that holds for
// every s > 0 (the hat's integral taken as (x^{1−s} − 1)/(1 − s), log x at
// s = 1, as Apache Commons RNG's RejectionInversionZipfSampler does): O(1)
// memory, so N can be many millions of pages. s = 0 is uniform over the pages.
// Pages: page p covers [offset + p·4096, offset + (p+1)·4096); an operation
// on page p starts at its first byte and covers accessSize bytes (more than
// one page when accessSize > 4 KiB), so N = floor((workingSet − accessSize)
// / 4096) + 1 pages can start one. Rank r is page r − 1 (a contiguous hot set
// at the start of the working set), or with `scatter` page π(r − 1) for a
// fixed pseudo-random permutation π (permutation.ts) drawn from the seed.

import type { WorkloadConfig } from "../config/mod.ts";
import { WorkloadError } from "./errors.ts";
import { fillWrites, type OpSource, writeThreshold } from "./fixed_rate.ts";
import { FeistelPermutation } from "./permutation.ts";
import type { Rng } from "./rng.ts";
import { checkCommon, type SourceContext } from "./source.ts";
import type { DmaBatch, IovaRange } from "./types.ts";

export const ZIPF_PAGE_SIZE = 4096;
/** Ranks held in the table; the rest come from rejection-inversion. */
export const ZIPF_TABLE_RANKS = 1 << 16;
const GUIDE_CELLS_PER_RANK = 4;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
const TAYLOR_THRESHOLD = 1e-8;

export type ZipfFields = Pick<
  Extract<WorkloadConfig, { kind: "zipf" }>,
  "writeFraction" | "accessSize" | "workingSet" | "offset" | "s" | "scatter"
>;

/** log(1 + t)/t, with its Taylor series near 0. */
function log1pOverX(t: number): number {
  return Math.abs(t) > TAYLOR_THRESHOLD
    ? Math.log1p(t) / t
    : 1 - t * (0.5 - t * (1 / 3 - 0.25 * t));
}

/** (e^t − 1)/t, with its Taylor series near 0. */
function expm1OverX(t: number): number {
  return Math.abs(t) > TAYLOR_THRESHOLD
    ? Math.expm1(t) / t
    : 1 + t * 0.5 * (1 + t * (1 / 3) * (1 + 0.25 * t));
}

/** The hat h(x) = x^−s. */
function hat(x: number, s: number): number {
  return Math.exp(-s * Math.log(x));
}

/** H(x) = (x^{1−s} − 1)/(1 − s), an antiderivative of the hat (log x at s = 1). */
function hatIntegral(x: number, s: number): number {
  const lx = Math.log(x);
  return expm1OverX((1 - s) * lx) * lx;
}

/** H⁻¹. */
function hatIntegralInverse(y: number, s: number): number {
  let t = y * (1 - s);
  if (t < -1) t = -1; // rounding can push it just below the domain
  return Math.exp(log1pOverX(t) * y);
}

/** Zipf(N, s) restricted to ranks firstRank..N, by rejection-inversion; s > 0. */
export class ZipfSampler {
  /** Lower end of the uniform's range in H-space. */
  readonly hLow: number;
  /** H(N + 0.5): the upper end. */
  readonly hHigh: number;
  /** 2 − H⁻¹(H(2.5) − h(2)): for k ≥ 2, k − x ≤ cut accepts without evaluating H. */
  readonly cut: number;

  constructor(readonly n: number, readonly s: number, readonly firstRank = 1) {
    if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`Zipf N ${n} is not >= 1`);
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`Zipf s ${s} is not > 0`);
    if (!Number.isSafeInteger(firstRank) || firstRank < 1 || firstRank > n) {
      throw new RangeError(`Zipf first rank ${firstRank} is not in 1..${n}`);
    }
    // From rank 1 the range starts at H(1.5) − h(1), so that rank 1 (whose
    // interval is then exactly h(1) wide) is always accepted; from a later
    // rank at H(firstRank − 0.5), the plain rejection-inversion interval.
    this.hLow = firstRank === 1 ? hatIntegral(1.5, s) - 1 : hatIntegral(firstRank - 0.5, s);
    this.hHigh = hatIntegral(n + 0.5, s);
    this.cut = 2 - hatIntegralInverse(hatIntegral(2.5, s) - hat(2, s), s);
  }

  /**
   * A rank from a first uniform `u0` ∈ [0, 1) and, when that one is
   * rejected, more from `next` (about 1.1 uniforms a variate on average).
   */
  sample(u0: number, next: () => number): number {
    const { n, s, hLow, hHigh, cut, firstRank } = this;
    const span = hLow - hHigh;
    for (let v = u0;; v = next()) {
      const u = hHigh + v * span; // uniform on (hLow, hHigh]
      const x = hatIntegralInverse(u, s);
      let k = Math.floor(x + 0.5);
      if (k < firstRank) k = firstRank;
      else if (k > n) k = n;
      if (k - x <= cut || u >= hatIntegral(k + 0.5, s) - hat(k, s)) return k;
    }
  }
}

/**
 * Σ_{r=a}^{b} r^−s by the Euler–Maclaurin formula with terms up to f''':
 * ∫_a^b f + (f(a) + f(b))/2 + (f'(b) − f'(a))/12 − (f'''(b) − f'''(a))/720,
 * f(x) = x^−s. The next term is below s(s+1)(s+2)(s+3)(s+4)·a^(−s−5)/30240,
 * negligible for the a > 2^12 it is used with.
 */
export function powerSum(a: number, b: number, s: number): number {
  const f = (x: number) => Math.pow(x, -s);
  const d1 = (x: number) => -s * Math.pow(x, -s - 1);
  const d3 = (x: number) => -s * (s + 1) * (s + 2) * Math.pow(x, -s - 3);
  return hatIntegral(b, s) - hatIntegral(a, s) + (f(a) + f(b)) / 2 + (d1(b) - d1(a)) / 12 -
    (d3(b) - d3(a)) / 720;
}

/**
 * Zipf(N, s), s > 0: a guide-table search over the M hottest ranks (taken
 * with probability pHead), rejection-inversion over ranks M+1..N otherwise.
 */
export class ZipfTable {
  readonly headRanks: number;
  /** P(rank ≤ headRanks). */
  readonly pHead: number;
  /** cdf[i] = P(rank ≤ i + 1 | rank ≤ headRanks); the last is exactly 1. */
  readonly cdf: Float64Array;
  /** guide[g] = the first i with cdf[i] > g / guide.length. */
  readonly guide: Int32Array;
  readonly tail: ZipfSampler | null;

  constructor(readonly n: number, readonly s: number, headRanks = ZIPF_TABLE_RANKS) {
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`Zipf s ${s} is not > 0`);
    if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`Zipf N ${n} is not >= 1`);
    const m = Math.min(n, headRanks);
    this.headRanks = m;
    this.cdf = new Float64Array(m);
    let head = 0;
    for (let r = 1; r <= m; r++) this.cdf[r - 1] = head += Math.pow(r, -s);
    for (let i = 0; i < m; i++) this.cdf[i] /= head;
    this.cdf[m - 1] = 1;
    let tail = 0;
    if (n > m) {
      // Exact when the tail is short or starts low, Euler–Maclaurin otherwise.
      if (n - m <= 1 << 16 || m < 4096) {
        for (let r = m + 1; r <= n; r++) tail += Math.pow(r, -s);
      } else tail = powerSum(m + 1, n, s);
    }
    this.pHead = head / (head + tail);
    this.tail = n > m ? new ZipfSampler(n, s, m + 1) : null;
    // GUIDE_CELLS_PER_RANK cells a rank: the search then almost never takes
    // a step (a mispredicted loop exit costs more than the bigger table).
    const cells = GUIDE_CELLS_PER_RANK * m;
    this.guide = new Int32Array(cells);
    for (let g = 0, i = 0; g < cells; g++) {
      while (this.cdf[i] <= g / cells) i++;
      this.guide[g] = i;
    }
  }

  /** A rank from a uniform u ∈ [0, 1) and, for a tail rank, more from `next`. */
  sample(u: number, next: () => number): number {
    if (u < this.pHead) return this.headIndex(u / this.pHead) + 1;
    return this.tail!.sample((u - this.pHead) / (1 - this.pHead), next);
  }

  /** The head index i (rank i + 1) for v ∈ [0, 1): the first i with cdf[i] > v. */
  headIndex(v: number): number {
    const cdf = this.cdf;
    let i = this.guide[Math.floor(v * this.guide.length)];
    while (cdf[i] <= v) i++;
    return i;
  }
}

/** The probability of rank r under Zipf(N, s): 1/(r^s·H_{N,s}), H by direct summation. */
export function zipfPmf(n: number, s: number): (rank: number) => number {
  let h = 0;
  for (let i = n; i >= 1; i--) h += Math.pow(i, -s); // smallest terms first
  return (rank) => Math.pow(rank, -s) / h;
}

/** Pages that can start an access: floor((workingSet − accessSize)/4096) + 1. */
export function zipfPageCount(c: Pick<ZipfFields, "workingSet" | "accessSize">): number {
  return Math.floor((c.workingSet - c.accessSize) / ZIPF_PAGE_SIZE) + 1;
}

export class ZipfSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  emittedBytes = 0;
  readonly pages: number;
  private readonly table: ZipfTable | null;
  /** The page of each table rank (headPage[i] for rank i + 1), permutation applied. */
  private readonly headPage: Uint32Array;
  private readonly permutation: FeistelPermutation | null;
  private readonly address: Rng;
  private readonly nextUniform: () => number;
  private readonly writes: Rng;
  private readonly threshold: number;

  constructor(private readonly c: ZipfFields, ctx: SourceContext) {
    checkCommon(c, ctx);
    if (!(c.s >= 0) || !Number.isFinite(c.s)) {
      throw new WorkloadError(`${ctx.key}.s: ${c.s} is not a finite number >= 0`);
    }
    this.pages = zipfPageCount(c);
    if (this.pages > 2 ** 32) {
      throw new WorkloadError(
        `${ctx.key}.workingSet: ${this.pages} pages is more than zipf supports (2^32)`,
      );
    }
    this.permutation = c.scatter
      ? new FeistelPermutation(this.pages, ctx.stream("permutation"))
      : null;
    this.table = c.s > 0 ? new ZipfTable(this.pages, c.s) : null;
    const head = this.table?.headRanks ?? 0;
    this.headPage = new Uint32Array(head);
    for (let i = 0; i < head; i++) this.headPage[i] = this.pageOfRank(i + 1);
    const address = this.address = ctx.stream("address");
    this.nextUniform = () => address.nextFloat();
    this.writes = ctx.stream("write");
    this.threshold = writeThreshold(c.writeFraction);
    this.ranges = [{
      start: c.offset,
      end: c.offset + (this.pages - 1) * ZIPF_PAGE_SIZE + c.accessSize,
    }];
  }

  /** The page (0-based, from offset) that rank r (1-based) maps to. */
  pageOfRank(rank: number): number {
    return this.permutation ? this.permutation.apply(rank - 1) : rank - 1;
  }

  /** The rank whose page is p: the inverse of pageOfRank. */
  rankOfPage(page: number): number {
    return (this.permutation ? this.permutation.invert(page) : page) + 1;
  }

  emit(batch: DmaBatch, start: number, n: number): void {
    const { offset, accessSize } = this.c;
    const iova = batch.iova;
    const end = start + n;
    const pages = this.pages;
    const perm = this.permutation;
    const table = this.table;
    const rng = this.address;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
    const pHead = table?.pHead ?? 0, guideCells = table?.guide.length ?? 0;
    const cdf = table?.cdf, guide = table?.guide, headPage = this.headPage;
    for (let i = start; i < end; i++) {
      // A 53-bit uniform u ∈ [0, 1): two xoshiro128** steps, inlined (rng.ts
      // has the reference form; this is Rng.nextFloat).
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

      let page: number;
      if (table === null) {
        const r = Math.floor(u * pages); // s = 0: uniform
        page = perm === null ? r : perm.apply(r);
      } else if (u < pHead) {
        // ZipfTable.headIndex, inlined
        const v = u / pHead;
        let j = guide![Math.floor(v * guideCells)];
        while (cdf![j] <= v) j++;
        page = headPage[j];
      } else {
        // A tail rank: rare; rejection may need more uniforms, from the object.
        rng.s0 = s0;
        rng.s1 = s1;
        rng.s2 = s2;
        rng.s3 = s3;
        const k = table.tail!.sample((u - pHead) / (1 - pHead), this.nextUniform);
        s0 = rng.s0;
        s1 = rng.s1;
        s2 = rng.s2;
        s3 = rng.s3;
        page = perm === null ? k - 1 : perm.apply(k - 1);
      }
      iova[i] = offset + page * ZIPF_PAGE_SIZE;
    }
    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;
    batch.length.fill(accessSize, start, end);
    this.emittedBytes += n * accessSize;
    fillWrites(this.writes, batch.write, start, n, this.threshold);
  }
}
