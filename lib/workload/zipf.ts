// `zipf`: skewed reuse over the 4 KiB pages of the working set. Rank r ∈ 1..N
// is drawn with probability 1/(r^s·H_{N,s}), H_{N,s} = Σ_{i≤N} i^−s. The
// M = min(N, 2^16) hottest ranks come from a CDF table searched through a
// guide table (indexed search: H. C. Chen and Y. Asau, "On generating random
// variates from an empirical distribution", AIIE Trans. 6(2), 1974; L.
// Devroye, Non-Uniform Random Variate Generation, 1986, §III.2.4). Ranks
// beyond M come from rejection-inversion (zipf_tail.ts). s = 0 is uniform
// over the pages. The hot loop first looks the uniform's top 18 bits up in a
// table of 2^18 cells that holds the page itself wherever the whole cell
// draws one rank (the search is monotone in the uniform, so its two ends
// decide), and searches only in the others; tail ranks take the sampler's
// proven polynomial where it can: the same pages for the same draws.
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
import { PIECE_EPS, PIECE_STRIDE, powerSum, ZipfSampler } from "./zipf_tail.ts";

export { powerSum, ZipfSampler };

export const ZIPF_PAGE_SIZE = 4096;
/** Ranks held in the table; the rest come from rejection-inversion. */
export const ZIPF_TABLE_RANKS = 1 << 16;
const GUIDE_CELLS_PER_RANK = 4;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;

export type ZipfFields = Pick<
  Extract<WorkloadConfig, { kind: "zipf" }>,
  "writeFraction" | "accessSize" | "workingSet" | "offset" | "s" | "scatter"
>;

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
  /** span/(1 − pHead): y = hHigh + (u − pHead)·tailSlope for a tail u (see the constructor). */
  readonly tailSlope: number;

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
    // ZipfSource maps a tail u to y as hHigh + (u − pHead)·tailSlope, within
    // 8·2^−53·(|span| + |hHigh|) of the exact path's (u − pHead)/(1 − pHead)
    // step: the pieces allow for that.
    this.tail = n > m ? new ZipfSampler(n, s, m + 1, 8) : null;
    this.tailSlope = this.tail ? this.tail.span / (1 - this.pHead) : 0;
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

/** Bits of the uniform's top (of the first draw's 27) that index the cell table. */
const CELL_BITS = 18;
const CELL_SHIFT = 27 - CELL_BITS;
/** A cell's entry when its draws may reach the tail. */
const CELL_TAIL = -2;
/** Operations drawn per pass (the scratch lists' length). */
const CHUNK = 2048;
const TWO_POW_53 = 9007199254740992;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
/** The next double after x > 0 towards zero, or away from it (`up`). */
function nextDouble(x: number, up: boolean): number {
  f64[0] = x;
  u64[0] += up ? 1n : -1n;
  return f64[0];
}

/**
 * The head search redone on the uniform's 53 bits as an integer,
 * U = a·2^26 + b = u·2^53, so that most head draws are one table lookup: the
 * same rank index for the same U. v = fl(u/pHead) is monotone in U, so
 * "cdf[i] ≤ v" holds exactly from some threshold on: t[i], the least U for
 * which it holds (found against the division itself). The rank index
 * headIndex(v) gives is then the first i with t[i] > U. A cell of U (its top
 * CELL_BITS bits) that no threshold cuts and that lies below fastEnd draws one
 * rank throughout: cell[] holds its page (≥ 0). A cell that needs the search
 * holds −(2j + 1), odd, j the first i with t[i] > the cell's least U (the
 * answer is at most a few further on); one that reaches pHead holds
 * CELL_TAIL, even.
 */
class HeadCells {
  /** t[i] as above for i < m, then Infinity. */
  readonly t: Float64Array;
  /** The page of each cell one rank fills (below 2^31), else −(2j + 1) or CELL_TAIL. */
  readonly cell: Int32Array;
  /**
   * U below this take the thresholds; from here to pHead·2^53 the guide
   * search itself (U whose v rounds up to 1, or every head draw when the
   * guide's own rounding could pick another index than the thresholds).
   */
  readonly fastEnd: number;
  /** The first i with t[i] > the least U of the first CELL_TAIL cell. */
  readonly tailFrom: number;

  constructor(table: ZipfTable, headPage: Uint32Array) {
    const { cdf, pHead, headRanks: m } = table;
    const holds = (i: number, u: number) => cdf[i] <= (u * TWO_POW_MINUS_53) / pHead;
    this.t = new Float64Array(m + 1).fill(Infinity);
    for (let i = 0; i < m; i++) {
      // It holds at 2^53 (v = 1/pHead ≥ 1 ≥ cdf[i]); the estimate is off by a few.
      let u = Math.min(TWO_POW_53, Math.floor(cdf[i] * pHead * TWO_POW_53));
      if (holds(i, u)) { while (u > 0 && holds(i, u - 1)) u--; }
      else while (!holds(i, u)) u++;
      this.t[i] = u;
    }
    this.fastEnd = guideAgrees(table) ? Math.min(pHead * TWO_POW_53, this.t[m - 1]) : 0;
    this.tailFrom = 0;
    const cells = 1 << CELL_BITS, width = 2 ** (53 - CELL_BITS), headEnd = pHead * TWO_POW_53;
    this.cell = new Int32Array(cells);
    for (let g = 0, i = 0; g < cells; g++) {
      const first = g * width, last = first + width - 1;
      while (i < m - 1 && this.t[i] <= first) i++;
      if (last >= headEnd) {
        if (this.cell[g - 1] !== CELL_TAIL) this.tailFrom = i;
        this.cell[g] = CELL_TAIL;
      } else if (last < this.fastEnd && this.t[i] > last && headPage[i] < 2 ** 31) {
        this.cell[g] = headPage[i];
      } else this.cell[g] = -(2 * i + 1);
    }
  }
}

/**
 * Whether headIndex(v) = the first i with cdf[i] > v for every v < 1, as it
 * is when the guide's length is a power of two (then g/length and v·length
 * are exact, and v ≥ g/length). Otherwise the guide cell g that v·length
 * rounds into may start at a larger index when v is just below g/length as
 * rounded; check the least such v of every cell.
 */
function guideAgrees(table: ZipfTable): boolean {
  const { cdf, guide } = table;
  const cells = guide.length;
  if ((cells & (cells - 1)) === 0) return true;
  const first = (v: number) => {
    let lo = 0, hi = cdf.length; // the first i with cdf[i] > v
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let g = 1; g < cells; g++) {
    let v = g / cells; // as guide[g] was built
    if (Math.floor(v * cells) >= g) {
      while (Math.floor(nextDouble(v, false) * cells) >= g) v = nextDouble(v, false);
    } else {
      while (Math.floor(v * cells) < g) v = nextDouble(v, true);
    }
    if (guide[g] > first(v)) return false;
  }
  return true;
}

export class ZipfSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  readonly pages: number;
  private readonly table: ZipfTable | null;
  /** The page of each table rank (headPage[i] for rank i + 1), permutation applied. */
  private readonly headPage: Uint32Array;
  private readonly head: HeadCells | null;
  private readonly permutation: FeistelPermutation | null;
  /** The permutation's round functions as tables (empty without one). */
  private readonly roundTable: Uint16Array;
  private readonly address: Rng;
  private readonly nextUniform: () => number;
  private readonly writes: Rng;
  private readonly threshold: number;
  // Scratch of emitSkewed: the operations of a chunk that need the search or the tail.
  private readonly searchAt = new Int32Array(CHUNK);
  private readonly searchFrom = new Int32Array(CHUNK);
  private readonly searchDraw = new Float64Array(CHUNK);
  private readonly tailAt = new Int32Array(CHUNK);
  private readonly tailDraw = new Float64Array(CHUNK);

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
    this.roundTable = this.permutation?.roundTable() ?? new Uint16Array(0);
    this.table = c.s > 0 ? new ZipfTable(this.pages, c.s) : null;
    const head = this.table?.headRanks ?? 0;
    this.headPage = new Uint32Array(head);
    for (let i = 0; i < head; i++) this.headPage[i] = this.pageOfRank(i + 1);
    this.head = this.table ? new HeadCells(this.table, this.headPage) : null;
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
    batch.length.fill(this.c.accessSize, start, start + n);
    if (this.table === null) {
      this.emitUniform(batch, start, n);
      fillWrites(this.writes, batch.write, start, n, this.threshold);
    } else this.emitSkewed(this.table, this.head!, batch, start, n);
  }

  /**
   * s > 0, a chunk at a time in three passes, so that the common case runs
   * without a branch that depends on the draw: (1) draw every operation's
   * uniform and store the page of its cell, listing the operations whose
   * cell needs the head search or reaches the tail; (2) search for the
   * first list; (3) the tail for the second, in order. A tail rank whose
   * first attempt is rejected draws more uniforms (never seen with the
   * tail starting at rank 2^16 + 1: its rejection rate is about 10^−11), which
   * moves every later draw: then the chunk is redone from the next operation.
   * State stays in locals; nothing is allocated.
   */
  private emitSkewed(
    table: ZipfTable,
    head: HeadCells,
    batch: DmaBatch,
    start: number,
    n: number,
  ): void {
    const offset = this.c.offset;
    const iova = batch.iova;
    const end = start + n;
    const headPage = this.headPage, thresholds = head.t;
    const cell = head.cell, fastEnd = head.fastEnd, headEnd = table.pHead * TWO_POW_53;
    const pHead = table.pHead, tailShare = 1 - pHead;
    const cdf = table.cdf, guide = table.guide, guideCells = guide.length;
    const searchAt = this.searchAt, searchFrom = this.searchFrom, searchDraw = this.searchDraw;
    const tailAt = this.tailAt, tailDraw = this.tailDraw;
    const tail = table.tail;
    const tailFrom = head.tailFrom;
    // The tail sampler's first attempt (ZipfSampler.firstAttempt, inlined).
    const pieces = tail?.pieces ?? EMPTY, pieceCount = pieces.length / PIECE_STRIDE;
    const hLow = tail?.hLow ?? 0, hHigh = tail?.hHigh ?? 0, tailSlope = table.tailSlope;
    const pieceScale = tail?.pieceScale ?? 0, cut = tail?.cut ?? 0;
    const firstRank = tail?.firstRank ?? 1, lastRank = tail?.n ?? 1;
    // The permutation (FeistelPermutation.apply, inlined): even rounds split
    // (hi, lo) as (hiBits, loBits), odd rounds as (loBits, hiBits).
    const perm = this.permutation;
    const size = perm?.size ?? 0, aEven = perm?.hiBits ?? 0, aOdd = perm?.loBits ?? 0;
    const loMaskEven = (1 << aOdd) - 1, hiEven = 1 << aEven;
    const loMaskOdd = (1 << aEven) - 1, hiOdd = 1 << aOdd;
    // F_r tables: rounds 0 and 2 index by the low aOdd bits, 1 and 3 by aEven.
    const f = this.roundTable, f1 = 1 << aOdd, f2 = f1 + (1 << aEven), f3 = f2 + (1 << aOdd);
    const rng = this.address;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
    // The write flags (fillWrites, inlined into pass 1: its own stream).
    const write = batch.write, threshold = this.threshold;
    const drawWrites = threshold > 0 && threshold < TWO_POW_32;
    if (!drawWrites) write.fill(threshold > 0 ? 1 : 0, start, end);
    const wr = this.writes;
    let w0 = wr.s0, w1 = wr.s1, w2 = wr.s2, w3 = wr.s3;
    let from = start;
    while (from < end) {
      const to = from + CHUNK < end ? from + CHUNK : end;
      // The chunk's first states, for a redo.
      const r0 = s0, r1 = s1, r2 = s2, r3 = s3, q0 = w0, q1 = w1, q2 = w2, q3 = w3;
      let searches = 0, tails = 0;
      for (let i = from; i < to; i++) {
        // A 53-bit uniform u = (a·2^26 + b)·2^−53 ∈ [0, 1): two xoshiro128**
        // steps, inlined (rng.ts has the reference form; this is Rng.nextFloat).
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
        const draw = a * 67108864 + b; // U = u·2^53, exact
        // floor(u·2^CELL_BITS) is a's top CELL_BITS bits. A listed
        // operation's iova is written again in pass 2 or 3.
        const e = cell[a >>> CELL_SHIFT];
        iova[i] = offset + e * ZIPF_PAGE_SIZE;
        const listed = e >>> 31; // 1 for a search (odd) and CELL_TAIL (even)
        searchAt[searches] = i;
        searchFrom[searches] = ~e >> 1; // j of −(2j + 1)
        searchDraw[searches] = draw;
        searches += listed & e;
        tailAt[tails] = i;
        tailDraw[tails] = draw;
        tails += listed & ~e & 1;
        if (drawWrites) {
          // xoshiro128** step of the write stream; r < threshold ⇔ write.
          const mw = Math.imul(w1, 5);
          const rw = Math.imul((mw << 7) | (mw >>> 25), 9) >>> 0;
          const tw = w1 << 9;
          w2 ^= w0;
          w3 ^= w1;
          w1 ^= w2;
          w0 ^= w3;
          w2 ^= tw;
          w3 = (w3 << 11) | (w3 >>> 21);
          write[i] = 1 - (((rw - threshold) * TWO_POW_MINUS_32 + 1) | 0);
        }
      }
      for (let q = 0; q < searches; q++) {
        const draw = searchDraw[q];
        let page: number;
        if (draw < fastEnd) {
          let j = searchFrom[q];
          while (thresholds[j] <= draw) j++;
          page = headPage[j];
        } else {
          // ZipfTable.headIndex, inlined
          const v = (draw * TWO_POW_MINUS_53) / pHead;
          let j = guide[Math.floor(v * guideCells)];
          while (cdf[j] <= v) j++;
          page = headPage[j];
        }
        iova[searchAt[q]] = offset + page * ZIPF_PAGE_SIZE;
      }
      let redoFrom = -1;
      for (let q = 0; q < tails; q++) {
        const draw = tailDraw[q];
        let page: number;
        if (draw < headEnd) {
          // the part of a cell below pHead
          if (draw < fastEnd) {
            let j = tailFrom;
            while (thresholds[j] <= draw) j++;
            page = headPage[j];
          } else {
            const v = (draw * TWO_POW_MINUS_53) / pHead;
            let j = guide[Math.floor(v * guideCells)];
            while (cdf[j] <= v) j++;
            page = headPage[j];
          }
        } else {
          const w = draw * TWO_POW_MINUS_53 - pHead;
          let k = 0;
          if (pieceCount > 0) {
            const y = hHigh + w * tailSlope;
            let p = ((y - hLow) * pieceScale) | 0;
            if (p >= pieceCount) p = pieceCount - 1;
            const o = p * PIECE_STRIDE, d = y - pieces[o];
            const x = pieces[o + 1] + d * pieces[o + 2] +
              d * d * (pieces[o + 3] + d * pieces[o + 4]);
            const eps = pieces[o + PIECE_EPS];
            let r = Math.floor(x + 0.5);
            const frac = x + 0.5 - r;
            if (frac >= eps && frac <= 1 - eps) {
              if (r < firstRank) r = firstRank;
              else if (r > lastRank) r = lastRank;
              if (r - x <= cut - eps) k = r;
            }
          }
          const v = k === 0 ? w / tailShare : 0;
          if (k === 0) k = tail!.firstAttemptExact(v);
          if (k === 0) {
            // Rejected: replay the chunk's draws up to this operation, let
            // the sampler draw on from there, and redo the chunk after it.
            const at = tailAt[q];
            s0 = r0;
            s1 = r1;
            s2 = r2;
            s3 = r3;
            for (let steps = 2 * (at - from + 1); steps > 0; steps--) {
              const t = s1 << 9;
              s2 ^= s0;
              s3 ^= s1;
              s1 ^= s2;
              s0 ^= s3;
              s2 ^= t;
              s3 = (s3 << 11) | (s3 >>> 21);
            }
            rng.s0 = s0;
            rng.s1 = s1;
            rng.s2 = s2;
            rng.s3 = s3;
            k = tail!.sample(v, this.nextUniform);
            s0 = rng.s0;
            s1 = rng.s1;
            s2 = rng.s2;
            s3 = rng.s3;
            redoFrom = at + 1;
          }
          let x = k - 1;
          if (perm !== null) {
            do {
              let lo = x & loMaskEven;
              x = lo * hiEven + ((x >>> aOdd) ^ f[lo]);
              lo = x & loMaskOdd;
              x = lo * hiOdd + ((x >>> aEven) ^ f[f1 + lo]);
              lo = x & loMaskEven;
              x = lo * hiEven + ((x >>> aOdd) ^ f[f2 + lo]);
              lo = x & loMaskOdd;
              x = lo * hiOdd + ((x >>> aEven) ^ f[f3 + lo]);
            } while (x >= size);
          }
          page = x;
        }
        iova[tailAt[q]] = offset + page * ZIPF_PAGE_SIZE;
        if (redoFrom >= 0) break;
      }
      if (redoFrom >= 0 && drawWrites) {
        // The write stream does not move with the address stream: back to
        // where it was at redoFrom, so the redo draws the same flags again.
        w0 = q0;
        w1 = q1;
        w2 = q2;
        w3 = q3;
        for (let steps = redoFrom - from; steps > 0; steps--) {
          const t = w1 << 9;
          w2 ^= w0;
          w3 ^= w1;
          w1 ^= w2;
          w0 ^= w3;
          w2 ^= t;
          w3 = (w3 << 11) | (w3 >>> 21);
        }
      }
      from = redoFrom >= 0 ? redoFrom : to;
    }
    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;
    wr.s0 = w0;
    wr.s1 = w1;
    wr.s2 = w2;
    wr.s3 = w3;
  }

  /** s = 0: a uniform page. */
  private emitUniform(batch: DmaBatch, start: number, n: number): void {
    const offset = this.c.offset;
    const iova = batch.iova;
    const end = start + n;
    const pages = this.pages;
    const perm = this.permutation;
    const rng = this.address;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
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
      const r = Math.floor((a * 67108864 + b) * TWO_POW_MINUS_53 * pages);
      iova[i] = offset + (perm === null ? r : perm.apply(r)) * ZIPF_PAGE_SIZE;
    }
    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;
  }
}

const EMPTY = new Float64Array(0);
