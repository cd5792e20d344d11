// Zipf's head ranks (the table's M hottest) looked up without the guide
// search, with the same rank for the same draw. The search works on
// v = fl(u/pHead); redone on the uniform's 53 bits as an integer,
// U = a·2^26 + b = u·2^53, it needs no division: v is monotone in U, so
// "cdf[i] ≤ v" holds exactly from a threshold t[i] on (the least U for which
// it holds, found against the division itself), and the guide search returns
// the first i with t[i] > U. Then:
// - a table of the 2^CELL_BITS cells of U's top bits holds the page of every
//   cell that no threshold cuts (the hot ranks, each many cells wide);
// - the cold ranks (narrower than a few cells) come from a formula: the CDF
//   is within a measured δ of G(x) = α + β·H(x + ½) (the midpoint rule for
//   Σ r^−s, H as in zipf_tail.ts), so the index is floor(H⁻¹((v − α)/β) − ½)
//   wherever that is further than the bound from a whole number, H⁻¹ from
//   proven pieces (zipf_tail.ts); elsewhere the search itself;
// - the rest (cells a hot boundary cuts) scan the thresholds from the cell's
//   first index. The working set stays small (the cell table is 64 KiB), as
//   the hot path the generator feeds needs the caches too.

import {
  buildPieces,
  exactShare,
  hatIntegral,
  PIECE_EPS,
  PIECE_LIMIT,
  PIECE_STRIDE,
  type ZipfSampler,
} from "./zipf_tail.ts";

/**
 * What the head reads of a ZipfTable (zipf.ts), by shape: zipf.ts imports
 * this file, so naming the class here would make the two files import each
 * other, which lib/layers_test.ts forbids even for types.
 */
export interface ZipfTableView {
  readonly s: number;
  readonly headRanks: number;
  readonly headMass: number;
  readonly pHead: number;
  readonly cdf: Float64Array;
  readonly guide: Int32Array;
  readonly tail: ZipfSampler | null;
}

/** Bits of U's top (of the first draw's 27) that index the cell table. */
export const CELL_BITS = 14;
export const CELL_SHIFT = 27 - CELL_BITS;
/**
 * A cell's entry: a page (≥ 0), or negative with its low two bits saying
 * which pass takes its draws: −(4j + 1) (…11) the threshold scan from index
 * j, −(4j + 2) (…10) the tail pass with piece j (the cell reaches pHead),
 * −4(p + 1) (…00) the cold ranks' formula with piece p (a piece is a run of
 * cells).
 */
/** Cold ranks are the ones less than this many cells wide. */
const COLD_CELLS = 4;
/** The first index the cold formula may take (below, the midpoint rule is coarse). */
const COLD_MIN_INDEX = 16;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_MINUS_53 = 1 / TWO_POW_53;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
/** The next double after x > 0 towards zero, or away from it (`up`). */
function nextDouble(x: number, up: boolean): number {
  f64[0] = x;
  u64[0] += up ? 1n : -1n;
  return f64[0];
}

/**
 * Pieces over `cells` cells, a piece for each run of `run` cells, as
 * `build(n, run)` makes n of them: from 16 pieces, twice as many each time up
 * to 4,096 (or one a cell), while the share of draws their bounds leave to
 * the exact path keeps falling by more than a tenth or is still 5 % or more;
 * done at under 0.2 %. The last table kept, its run, count and share.
 */
function fitPieces(
  cells: number,
  build: (n: number, run: number) => Float64Array,
): { pieces: Float64Array; run: number; n: number; share: number } {
  let fit: ReturnType<typeof fitPieces> = {
    pieces: new Float64Array(0),
    run: 1,
    n: 0,
    share: Infinity,
  };
  for (let count = 16; count <= 4096; count *= 2) {
    const run = Math.ceil(cells / count);
    const n = Math.ceil(cells / run);
    const pieces = build(n, run);
    const share = exactShare(pieces);
    if (share < 0.05 && share > 0.9 * fit.share) break;
    fit = { pieces, run, n, share };
    if (share < 0.002 || run === 1) break;
  }
  return fit;
}

export class ZipfHead {
  /** t[i] as above for i < m, then Infinity. */
  readonly t: Float64Array;
  /** One entry per cell of U's top CELL_BITS bits (see CELL_BITS). */
  readonly cell: Int32Array;
  /**
   * U below this take the thresholds and the formula; from here to
   * pHead·2^53 the guide search itself (U whose v rounds up to 1, or every
   * head draw when the guide's own rounding could pick another index than
   * the thresholds).
   */
  readonly fastEnd: number;
  /** The first i with t[i] > the least U of the first tail cell. */
  readonly tailFrom: number;
  /** The cold formula gives indices coldFirst..m − 1 (none when coldFirst = m). */
  readonly coldFirst: number;
  /** y = U·coldSlope + coldIntercept ≈ (v − α)/β, within the pieces' allowance. */
  readonly coldSlope: number;
  readonly coldIntercept: number;
  /** Pieces of H⁻¹ (zipf_tail.ts), piece p for the p-th run of coldRun cold cells. */
  readonly coldPieces: Float64Array;
  /**
   * A tail draw's y = hHigh + (U·2^−53 − pHead)·tailSlope, within
   * 8·2^−53·(|span| + |hHigh|) of the exact path's (u − pHead)/(1 − pHead)
   * step; the tail pieces allow for that.
   */
  readonly tailSlope: number;
  /** Pieces of H⁻¹ for tail draws, piece j for the cells whose entry is −(4j + 2). */
  readonly tailPieces: Float64Array;

  constructor(table: ZipfTableView, headPage: Uint32Array) {
    const { cdf, pHead, headRanks: m, s } = table;
    const holds = (i: number, u: number) => cdf[i] <= (u * TWO_POW_MINUS_53) / pHead;
    const t = this.t = new Float64Array(m + 1).fill(Infinity);
    for (let i = 0; i < m; i++) {
      // It holds at 2^53 (v = 1/pHead ≥ 1 ≥ cdf[i]); the estimate is off by a few.
      let u = Math.min(TWO_POW_53, Math.floor(cdf[i] * pHead * TWO_POW_53));
      if (holds(i, u)) { while (u > 0 && holds(i, u - 1)) u--; }
      else while (!holds(i, u)) u++;
      t[i] = u;
    }
    this.fastEnd = guideAgrees(table) ? Math.min(pHead * TWO_POW_53, t[m - 1]) : 0;
    const width = 2 ** (53 - CELL_BITS), headEnd = pHead * TWO_POW_53;

    // The cold ranks and their formula.
    let first = m;
    if (this.fastEnd > 0) {
      for (let i = COLD_MIN_INDEX; i < m; i++) {
        if (t[i] - t[i - 1] < COLD_CELLS * width) {
          first = i;
          break;
        }
      }
    }
    this.coldFirst = first;
    this.coldSlope = this.coldIntercept = 0;
    this.coldPieces = new Float64Array(0);
    let coldFrom = Infinity, coldCell = 0, coldRun = 1;
    if (first < m) {
      // G(m) = 1 = cdf[m − 1]; err[i − first + 1] = |cdf[i] − G(i + 1)| as
      // computed, plus the rounding of G itself.
      const mass = table.headMass, beta = 1 / mass;
      const alpha = 1 - beta * hatIntegral(m + 0.5, s);
      const err = new Float64Array(m - first + 1);
      for (let i = first - 1; i < m; i++) {
        const g = beta * hatIntegral(i + 1.5, s);
        err[i - first + 1] = Math.abs(cdf[i] - (alpha + g)) +
          1e-14 * (Math.abs(alpha) + Math.abs(g) + 1);
      }
      // v-units to y-units: y = (v − α)/β. Indices next to the answer count.
      const pieceYError = (xMin: number, xMax: number) => {
        const lo = Math.max(first - 1, Math.floor(xMin - 0.5) - 2);
        const hi = Math.min(m - 1, Math.ceil(xMax - 0.5) + 2);
        let e = 0;
        for (let i = lo; i <= hi; i++) e = Math.max(e, err[i - first + 1]);
        return hi < lo ? 0 : e * mass * (1 + 1e-9);
      };
      this.coldSlope = (TWO_POW_MINUS_53 * mass) / pHead;
      this.coldIntercept = -alpha * mass;
      // The cold cells: from the first whose least U is ≥ t[first − 1] to the
      // last below fastEnd. Piece p takes cells coldCell + p·coldRun onwards,
      // so a draw's piece comes with its cell; y is linear in U, so the
      // pieces are equal in y too.
      coldCell = Math.ceil(t[first - 1] / width);
      const cellsEnd = Math.floor(this.fastEnd / width);
      const y = (u: number) => u * this.coldSlope + this.coldIntercept;
      // y' = U·coldSlope + coldIntercept against (fl(u/pHead) − α)/β: the
      // roundings of the two constants, the product and the sum, and v's.
      const yError = 2 ** -50 *
        (mass / pHead + Math.abs(this.coldIntercept) + Math.abs(y(this.fastEnd)) + mass);
      if (cellsEnd > coldCell) {
        const fit = fitPieces(cellsEnd - coldCell, (n, run) =>
          buildPieces(
            y(coldCell * width),
            y((coldCell + n * run) * width),
            s,
            n,
            yError,
            pieceYError,
          ));
        this.coldPieces = fit.pieces;
        coldRun = fit.run;
        // Pieces that prove too little are not worth the pass: search instead.
        if (fit.share < 0.5) coldFrom = coldCell * width;
      }
    }
    const cells = 1 << CELL_BITS;
    // The tail cells, from the first that reaches pHead: runs of tailRun
    // cells from tailCell, run ρ taking piece tailRuns − 1 − ρ (y falls as U
    // grows). The first and last runs reach a little past hHigh and hLow.
    const tail = table.tail;
    this.tailSlope = tail ? tail.span / (1 - pHead) : 0;
    this.tailPieces = new Float64Array(0);
    let tailCell = cells, tailRun = 1, tailRuns = 0;
    while (tailCell > 0 && (tailCell - 1) * width + width - 1 >= headEnd) tailCell--;
    if (tail && tailCell < cells) {
      const y = (u: number) => tail.hHigh + (u * TWO_POW_MINUS_53 - pHead) * this.tailSlope;
      const yError = 8 * TWO_POW_MINUS_53 *
        (Math.abs(tail.span) + Math.max(Math.abs(tail.hLow), Math.abs(tail.hHigh)));
      const fit = fitPieces(
        cells - tailCell,
        (n, run) => buildPieces(y((tailCell + n * run) * width), y(tailCell * width), s, n, yError),
      );
      this.tailPieces = fit.pieces;
      tailRun = fit.run;
      tailRuns = fit.n;
    }
    this.cell = new Int32Array(cells);
    let tailFrom = 0;
    for (let g = 0, i = 0; g < cells; g++) {
      const least = g * width, last = least + width - 1;
      while (i < m - 1 && t[i] <= least) i++;
      if (g >= tailCell) {
        if (g === tailCell) tailFrom = i;
        const run = Math.floor((g - tailCell) / tailRun);
        this.cell[g] = -(4 * Math.max(0, tailRuns - 1 - run) + 2);
      } else if (last < this.fastEnd && t[i] > last && headPage[i] < 2 ** 31) {
        this.cell[g] = headPage[i];
      } else if (least >= coldFrom && last < this.fastEnd) {
        this.cell[g] = -4 * (Math.floor((g - coldCell) / coldRun) + 1);
      } else this.cell[g] = -(4 * i + 1);
    }
    this.tailFrom = tailFrom;
  }
}

/**
 * The head index ZipfSource's cold pass takes for U = u·2^53 in a cold cell
 * (the first i with t[i] > U), or −1 where the piece's bound does not prove
 * it. The pass has this inlined.
 */
export function coldIndex(head: ZipfHead, draw: number): number {
  const e = head.cell[Math.floor(draw / 2 ** (53 - CELL_BITS))];
  if (!(e < 0 && (e & 3) === 0)) return -1;
  const p = head.coldPieces, o = (~e >> 2) * PIECE_STRIDE;
  const d = draw * head.coldSlope + head.coldIntercept - p[o];
  const x = p[o + 1] + d * p[o + 2] + d * d * (p[o + 3] + d * p[o + 4]);
  const r = Math.floor(x - 0.5);
  return Math.abs(x - r - 1) <= p[o + PIECE_LIMIT] ? r : -1;
}

/**
 * The tail rank ZipfSource's tail pass takes for a tail draw U = u·2^53
 * (u ≥ pHead) without the exact path: its first attempt from the cell's
 * piece, or 0 where the bound does not prove that table.sample(u, ·) would
 * give it. The pass has this inlined.
 */
export function tailRank(head: ZipfHead, table: ZipfTableView, draw: number): number {
  const tail = table.tail, p = head.tailPieces;
  if (tail === null || p.length === 0) return 0;
  const e = head.cell[Math.floor(draw / 2 ** (53 - CELL_BITS))];
  const o = (~e >> 2) * PIECE_STRIDE;
  const y = tail.hHigh + (draw * TWO_POW_MINUS_53 - table.pHead) * head.tailSlope;
  const d = y - p[o];
  const x = p[o + 1] + d * p[o + 2] + d * d * (p[o + 3] + d * p[o + 4]);
  let k = Math.floor(x + 0.5);
  if (!(Math.abs(x - k) <= p[o + PIECE_LIMIT])) return 0;
  if (k < tail.firstRank) k = tail.firstRank;
  else if (k > tail.n) k = tail.n;
  return k - x <= tail.cut - p[o + PIECE_EPS] ? k : 0;
}

/**
 * Whether headIndex(v) = the first i with cdf[i] > v for every v < 1, as it
 * is when the guide's length is a power of two (then g/length and v·length
 * are exact, and v ≥ g/length). Otherwise the guide cell g that v·length
 * rounds into may start at a larger index when v is just below g/length as
 * rounded; check the least such v of every cell.
 */
function guideAgrees(table: ZipfTableView): boolean {
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
