// Zipf's tail ranks by rejection-inversion (W. Hörmann and G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete
// distributions", ACM TOMACS 6(3):169–184, 1996), in the form that holds for
// every s > 0 (the hat's integral taken as (x^{1−s} − 1)/(1 − s), log x at
// s = 1, as Apache Commons RNG's RejectionInversionZipfSampler does): O(1)
// memory, so N can be many millions of pages. A variate costs a log1p and an
// exp; the sampler also holds a piecewise Taylor polynomial of H⁻¹ with a
// proven error bound per piece, so a caller can take the first attempt's rank
// without them whenever the bound shows that the exact computation would give
// the same rank and accept it (a filter in the sense of exact geometric
// predicates: the same answer, bit for bit, and the exact path where unsure).

const TAYLOR_THRESHOLD = 1e-8;

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
export function hatIntegral(x: number, s: number): number {
  const lx = Math.log(x);
  return expm1OverX((1 - s) * lx) * lx;
}

/** H⁻¹. */
export function hatIntegralInverse(y: number, s: number): number {
  let t = y * (1 - s);
  if (t < -1) t = -1; // rounding can push it just below the domain
  return Math.exp(log1pOverX(t) * y);
}

/**
 * Doubles a piece of the H⁻¹ table holds: its centre yc, the Taylor
 * coefficients d0..d3 of H⁻¹(yc + d) in d, the bound eps on
 * |H⁻¹ as computed − the polynomial as computed| over the piece, ½ − eps
 * (a rounding x + ½ is proven when |x − round(x)| ≤ ½ − eps: one
 * comparison), and one spare (a piece is a 64-byte line).
 */
export const PIECE_STRIDE = 8;
export const PIECE_EPS = 5;
export const PIECE_LIMIT = 6;
const PIECE_DEGREE = 3;
/** A piece whose bound is above this is never trusted (eps set to 1). */
const PIECE_MAX_EPS = 0.05;
/**
 * Relative error allowed for x = H⁻¹(y) as computed (exp, log1p, a division
 * and three products, each within 1 ulp: about (5|ln x| + 2)·2^−53 < 3·10^−14
 * for x < 2^33), for rounding x + 0.5 and k − x, and for the coefficients and
 * the polynomial's evaluation: 30 times more than all of them.
 */
const FP_REL = 1e-12;

/**
 * Taylor pieces of x(y) = H⁻¹(y) over [lo, hi] in `count` equal pieces. The
 * derivatives are x' = x^s and x^(n) = c_n·x^{ns−(n−1)} with
 * c_{n+1} = c_n·(ns − (n − 1)), so the remainder after degree 3 is at most
 * max|c_4·x^{4s−3}|·r^4/24 over the piece (r its half-width, widened a
 * little for the rounding of the piece index), the maximum at one end since
 * x^e is monotone. A caller whose y may be off by yError from the exact
 * path's adds max x'·yError = xMax^s·yError.
 */
export function buildPieces(
  lo: number,
  hi: number,
  s: number,
  count: number,
  yError: number,
  pieceYError?: (xMin: number, xMax: number) => number,
): Float64Array {
  const p = new Float64Array(count * PIECE_STRIDE);
  const h = (hi - lo) / count;
  const c = new Float64Array(PIECE_DEGREE + 2); // c[n] for n = 1..4
  c[1] = 1;
  for (let n = 1; n <= PIECE_DEGREE; n++) c[n + 1] = c[n] * (n * s - (n - 1));
  let factorial = 1;
  for (let n = 2; n <= PIECE_DEGREE + 1; n++) factorial *= n;
  const eNext = (PIECE_DEGREE + 1) * s - PIECE_DEGREE;
  for (let j = 0; j < count; j++) {
    const o = j * PIECE_STRIDE;
    const y0 = lo + j * h, y1 = lo + (j + 1) * h, yc = lo + (j + 0.5) * h;
    const widen = Math.max(h * 1e-6, Math.max(Math.abs(y0), Math.abs(y1)) * 1e-13, 4 * yError);
    // (pieceYError is an error of the caller's y against H, not of its piece
    // index: only yError widens the piece.)
    const xa = hatIntegralInverse(y0 - widen, s), xb = hatIntegralInverse(y1 + widen, s);
    const xc = hatIntegralInverse(yc, s);
    const xMin = Math.min(xa, xb) * (1 - 1e-10), xMax = Math.max(xa, xb) * (1 + 1e-10);
    p[o] = yc;
    p[o + PIECE_EPS] = 1; // untrusted until proven
    p[o + PIECE_LIMIT] = -1;
    if (!(xMin > 0 && xMax < Infinity && xc > 0 && xc < Infinity)) continue;
    const r = h / 2 + widen;
    let sum = 0, nFact = 1, rn = 1;
    for (let n = 0; n <= PIECE_DEGREE; n++) {
      if (n > 0) nFact *= n;
      const d = n === 0 ? xc : (c[n] * Math.pow(xc, n * s - (n - 1))) / nFact;
      p[o + 1 + n] = d;
      sum += Math.abs(d) * rn;
      rn *= r;
    }
    const mNext = Math.abs(c[PIECE_DEGREE + 1]) *
      Math.max(Math.pow(xMin, eNext), Math.pow(xMax, eNext)) * (1 + 1e-9);
    const dy = yError + (pieceYError ? pieceYError(xMin, xMax) : 0);
    const eps = 1.01 * (mNext * rn) / factorial + FP_REL * (sum + xMax) +
      Math.pow(xMax, s) * dy * (1 + 1e-9);
    if (eps < PIECE_MAX_EPS) {
      p[o + PIECE_EPS] = eps;
      p[o + PIECE_LIMIT] = 0.5 - eps;
    }
  }
  return p;
}

/**
 * The share of first attempts a table of pieces leaves to the exact path
 * through its bounds alone (about 4·eps a piece: eps either side of each
 * rounding point and of the cut; the pieces are equally likely).
 */
export function exactShare(p: Float64Array): number {
  const count = p.length / PIECE_STRIDE;
  let share = 0;
  for (let j = 0; j < count; j++) share += Math.min(1, 4 * p[j * PIECE_STRIDE + PIECE_EPS]);
  return share / count;
}

/** Zipf(N, s) restricted to ranks firstRank..N, by rejection-inversion; s > 0. */
export class ZipfSampler {
  /** Lower end of the uniform's range in H-space. */
  readonly hLow: number;
  /** H(N + 0.5): the upper end. */
  readonly hHigh: number;
  /** 2 − H⁻¹(H(2.5) − h(2)): for k ≥ 2, k − x ≤ cut accepts without evaluating H. */
  readonly cut: number;
  /** hLow − hHigh: a uniform v ∈ [0, 1) maps to y = hHigh + v·span. */
  readonly span: number;

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
    this.span = this.hLow - this.hHigh;
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

  /** The rank of sample(v, ·)'s first attempt if it accepts it, else 0 (it would draw on). */
  firstAttemptExact(v: number): number {
    const { n, s, hHigh, span, cut, firstRank } = this;
    const u = hHigh + v * span;
    const x = hatIntegralInverse(u, s);
    let k = Math.floor(x + 0.5);
    if (k < firstRank) k = firstRank;
    else if (k > n) k = n;
    return k - x <= cut || u >= hatIntegral(k + 0.5, s) - hat(k, s) ? k : 0;
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
