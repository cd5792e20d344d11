// `zipf`: skewed reuse over the 4 KiB pages of the working set. Rank r ∈ 1..N
// is drawn with probability 1/(r^s·H_{N,s}), H_{N,s} = Σ_{i≤N} i^−s. The
// M = min(N, 2^16) hottest ranks come from a CDF table searched through a
// guide table (indexed search: H. C. Chen and Y. Asau, "On generating random
// variates from an empirical distribution", AIIE Trans. 6(2), 1974; L.
// Devroye, Non-Uniform Random Variate Generation, 1986, §III.2.4). Ranks
// beyond M come from rejection-inversion (zipf_tail.ts). s = 0 is uniform
// over the pages. The hot loop first looks the uniform's top 14 bits up in a
// table of 2^14 cells that holds the page itself wherever the whole cell
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
import { CELL_SHIFT, ZipfHead } from "./zipf_head.ts";
import { PIECE_EPS, PIECE_LIMIT, PIECE_STRIDE, powerSum, ZipfSampler } from "./zipf_tail.ts";

export { powerSum, ZipfSampler };

export const ZIPF_PAGE_SIZE = 4096;
/** Ranks held in the table; the rest come from rejection-inversion. */
export const ZIPF_TABLE_RANKS = 1 << 16;
const GUIDE_CELLS_PER_RANK = 4;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

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
  /** Σ_{r ≤ headRanks} r^−s, as summed for the cdf. */
  readonly headMass: number;
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
    this.headMass = head;
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

/** Operations drawn per pass (the scratch lists' length). */
const CHUNK_BITS = 11;
const CHUNK = 1 << CHUNK_BITS;
const TWO_POW_53 = 9007199254740992;

/** table.headIndex(v) for v = fl(U·2^−53/pHead): the search itself, for the rare cases. */
function guideIndex(draw: number, table: ZipfTable): number {
  return table.headIndex((draw * TWO_POW_MINUS_53) / table.pHead);
}

export class ZipfSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  emittedBytes = 0;
  readonly pages: number;
  private readonly table: ZipfTable | null;
  /** The page of each table rank (headPage[i] for rank i + 1), permutation applied. */
  private readonly headPage: Uint32Array;
  private readonly head: ZipfHead | null;
  private readonly permutation: FeistelPermutation | null;
  /** The permutation's round functions as tables (empty without one). */
  private readonly roundTable: Uint16Array;
  private readonly address: Rng;
  private readonly nextUniform: () => number;
  private readonly writes: Rng;
  private readonly threshold: number;
  // Scratch of emitSkewed: the operations of a chunk for passes 2, 3 and 4.
  /**
   * The chunk's operations for the head pass: ~e << CHUNK_BITS | (i − from),
   * e the cell's entry (~e is 4p + 3 for cold piece p, 4j for a scan from j).
   */
  private readonly headAt = new Int32Array(CHUNK);
  /** The chunk's draws U, by operation. */
  private readonly draws = new Float64Array(CHUNK);
  /** The chunk's tail operations, packed as headAt (~e is 4j + 1 for tail piece j). */
  private readonly tailAt = new Int32Array(CHUNK);
  private heads = 0;
  private tails = 0;
  /** The address stream's state at the chunk's start, for a redo. */
  private readonly chunkFirst = new Int32Array(4);

  /** `headRanks` sizes the table (tests use a small one to reach the tail's rejections). */
  constructor(private readonly c: ZipfFields, ctx: SourceContext, headRanks = ZIPF_TABLE_RANKS) {
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
    this.table = c.s > 0 ? new ZipfTable(this.pages, c.s, headRanks) : null;
    const head = this.table?.headRanks ?? 0;
    this.headPage = new Uint32Array(head);
    for (let i = 0; i < head; i++) this.headPage[i] = this.pageOfRank(i + 1);
    this.head = this.table ? new ZipfHead(this.table, this.headPage) : null;
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
    this.emittedBytes += n * this.c.accessSize;
    if (this.table === null) {
      this.emitUniform(batch, start, n);
      fillWrites(this.writes, batch.write, start, n, this.threshold);
    } else this.emitSkewed(this.table, this.head!, batch, start, n);
  }

  /**
   * s > 0, a chunk at a time in passes, so that the common case runs
   * without a branch that depends on the draw (each pass its own method,
   * with few live values): drawChunk draws every operation's uniform U,
   * stores the page of U's cell (or U itself, for later) and
   * lists the operations whose cell needs the cold formula or the threshold
   * scan, or the tail (zipf_head.ts); then headPass and tailPass (in
   * order); the write flags last, for the whole batch (fillWrites).
   * A tail rank whose first attempt is rejected draws more uniforms (never
   * seen with the tail starting at rank 2^16 + 1: its rejection rate is
   * about 10^−11), which moves every later draw: then the chunk is redone
   * from the next operation. Nothing is allocated.
   */
  private emitSkewed(table: ZipfTable, head: ZipfHead, batch: DmaBatch, start: number, n: number) {
    const end = start + n;
    const address = this.address, first = this.chunkFirst;
    for (let from = start; from < end;) {
      const to = from + CHUNK < end ? from + CHUNK : end;
      first[0] = address.s0, first[1] = address.s1, first[2] = address.s2, first[3] = address.s3;
      this.drawChunk(head, batch, from, to);
      if (this.heads > 0) this.headPass(table, head, batch, from);
      const redoFrom = this.tails > 0 ? this.tailPass(table, head, batch, from) : -1;
      from = redoFrom < 0 ? to : redoFrom;
    }
    // The write flags from their own stream, in a pass of their own: flag i
    // is the write stream's i-th draw whichever pass draws it, so a redo of
    // the address stream leaves it alone (as fast as drawing them in the
    // draw pass: 0.99-1.00x in an A/B of the two versions in one process).
    fillWrites(this.writes, batch.write, start, n, this.threshold);
  }

  /** Pass 1 over [from, to): see emitSkewed. */
  private drawChunk(head: ZipfHead, batch: DmaBatch, from: number, to: number) {
    const offset = this.c.offset, iova = batch.iova;
    const cell = head.cell;
    const headAt = this.headAt, tailAt = this.tailAt, draws = this.draws;
    const rng = this.address;
    let s0 = rng.s0, s1 = rng.s1, s2 = rng.s2, s3 = rng.s3;
    let heads = 0, tails = 0;
    const hasTail = this.table!.tail !== null;
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
      // floor(u·2^CELL_BITS) is a's top CELL_BITS bits. The cell's page
      // (rewritten by a later pass for a listed operation, which finds U in
      // draws).
      const e = cell[a >>> CELL_SHIFT];
      const listed = e >>> 31;
      iova[i] = offset + e * ZIPF_PAGE_SIZE;
      draws[i - from] = draw;
      headAt[heads] = (~e << CHUNK_BITS) | (i - from);
      heads += listed & ~(e ^ (e >> 1)) & 1; // …00 or …11
      if (hasTail) {
        // (Without a tail no cell is …10: skipping the list's store and count
        // drew the demo's Zipf 7-8 % faster; with one, the branch costs ~2 %.)
        tailAt[tails] = (~e << CHUNK_BITS) | (i - from);
        tails += listed & (e >> 1) & ~e & 1; // …10
      }
    }
    rng.s0 = s0, rng.s1 = s1, rng.s2 = s2, rng.s3 = s3;
    this.heads = heads, this.tails = tails;
  }

  /**
   * The head draws the cells leave: the cold formula (coldIndex in
   * zipf_head.ts, inlined: a proven index is the search's answer) or else
   * the guide search, and the threshold scan from the cell's first index.
   */
  private headPass(table: ZipfTable, head: ZipfHead, batch: DmaBatch, from: number) {
    const offset = this.c.offset, iova = batch.iova, headPage = this.headPage;
    const pieces = head.coldPieces, slope = head.coldSlope, intercept = head.coldIntercept;
    const thresholds = head.t, fastEnd = head.fastEnd;
    const headAt = this.headAt, count = this.heads, draws = this.draws;
    const scatter = this.permutation !== null;
    for (let q = 0; q < count; q++) {
      const rel = headAt[q] & (CHUNK - 1), at = from + rel, draw = draws[rel];
      const code = headAt[q];
      const entry = code >>> CHUNK_BITS; // ~e
      let j: number;
      if ((entry & 3) === 3) {
        const o = (entry >>> 2) * PIECE_STRIDE;
        const d = draw * slope + intercept - pieces[o];
        const x = pieces[o + 1] + d * pieces[o + 2] + d * d * (pieces[o + 3] + d * pieces[o + 4]);
        j = Math.floor(x - 0.5);
        if (!(Math.abs(x - j - 1) <= pieces[o + PIECE_LIMIT])) j = guideIndex(draw, table);
      } else if (draw < fastEnd) {
        j = entry >>> 2;
        while (thresholds[j] <= draw) j++;
      } else j = guideIndex(draw, table);
      // (headPage[j] = j without scatter: no load. With scatter the load
      // beats computing the permutation, though a cold j misses the cache.)
      iova[at] = offset + (scatter ? headPage[j] : j) * ZIPF_PAGE_SIZE;
    }
  }

  /**
   * The tail, in order: the first attempt from the cell's piece (tailRank in
   * zipf_head.ts, inlined), else exactly; then the permutation
   * (FeistelPermutation.apply with its roundTable(): even rounds split
   * (hi, lo) as (hiBits, loBits), odd rounds as (loBits, hiBits)). Returns
   * the operation to redo the chunk from after a rejection, or −1.
   */
  private tailPass(table: ZipfTable, head: ZipfHead, batch: DmaBatch, from: number): number {
    const offset = this.c.offset, iova = batch.iova, headPage = this.headPage;
    const thresholds = head.t, fastEnd = head.fastEnd, tailFrom = head.tailFrom;
    const pHead = table.pHead, headEnd = pHead * TWO_POW_53, tailShare = 1 - pHead;
    const tail = table.tail!, slope = head.tailSlope, hHigh = tail.hHigh, cut = tail.cut;
    const pieces = head.tailPieces, proven = pieces.length > 0;
    const firstRank = tail.firstRank, lastRank = tail.n;
    const perm = this.permutation, f = this.roundTable;
    const size = perm?.size ?? 0, aEven = perm?.hiBits ?? 0, aOdd = perm?.loBits ?? 0;
    const loEven = (1 << aOdd) - 1, loOdd = (1 << aEven) - 1;
    const hiEven = 1 << aEven, hiOdd = 1 << aOdd;
    const f1 = 1 << aOdd, f2 = f1 + (1 << aEven), f3 = f2 + (1 << aOdd);
    const tailAt = this.tailAt, count = this.tails, draws = this.draws;
    let redoFrom = -1;
    for (let q = 0; q < count; q++) {
      const rel = tailAt[q] & (CHUNK - 1), at = from + rel, draw = draws[rel];
      const code = tailAt[q];
      if (draw < headEnd) {
        // the part of a cell below pHead
        let j: number;
        if (draw < fastEnd) {
          j = tailFrom;
          while (thresholds[j] <= draw) j++;
        } else j = guideIndex(draw, table);
        iova[at] = offset + headPage[j] * ZIPF_PAGE_SIZE;
        continue;
      }
      const w = draw * TWO_POW_MINUS_53 - pHead;
      let k = 0;
      if (proven) {
        const o = (code >>> (CHUNK_BITS + 2)) * PIECE_STRIDE; // j of ~e = 4j + 1
        const d = hHigh + w * slope - pieces[o];
        const x = pieces[o + 1] + d * pieces[o + 2] + d * d * (pieces[o + 3] + d * pieces[o + 4]);
        let r = Math.floor(x + 0.5);
        if (Math.abs(x - r) <= pieces[o + PIECE_LIMIT]) {
          if (r < firstRank) r = firstRank;
          else if (r > lastRank) r = lastRank;
          if (r - x <= cut - pieces[o + PIECE_EPS]) k = r;
        }
      }
      if (k === 0) {
        const v = w / tailShare; // the exact path's uniform
        k = tail.firstAttemptExact(v);
        if (k === 0) {
          // Rejected: the address stream back to just after this operation's
          // draws, the sampler drawing on from there; the rest is redone.
          const rng = this.address, first = this.chunkFirst;
          rng.s0 = first[0], rng.s1 = first[1], rng.s2 = first[2], rng.s3 = first[3];
          for (let i = 2 * (at - from + 1); i > 0; i--) rng.nextU32();
          k = tail.sample(v, this.nextUniform);
          redoFrom = at + 1;
        }
      }
      let x = k - 1;
      if (perm !== null) {
        do {
          let lo = x & loEven;
          x = lo * hiEven + ((x >>> aOdd) ^ f[lo]);
          lo = x & loOdd;
          x = lo * hiOdd + ((x >>> aEven) ^ f[f1 + lo]);
          lo = x & loEven;
          x = lo * hiEven + ((x >>> aOdd) ^ f[f2 + lo]);
          lo = x & loOdd;
          x = lo * hiOdd + ((x >>> aEven) ^ f[f3 + lo]);
        } while (x >= size);
      }
      iova[at] = offset + x * ZIPF_PAGE_SIZE;
      if (redoFrom >= 0) break;
    }
    return redoFrom;
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
