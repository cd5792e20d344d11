// How cached translations are named (MODEL.md §3: tag = (IOVA >> leaf shift,
// leaf size)): tag = vpn · 8 + code, code = level − 1, vpn = IOVA >> (12 +
// 9·code), for IOTLB leaves and walk-cache entries alike; a set is the vpn's
// low bits. The IOVA comes split as hi = IOVA >> 30 and lo = the low 30 bits,
// so that all but the exact tag stays in int32 arithmetic.

/** Codes per tag: the low 3 bits. */
export const TAG_CODES = 8;

export const GIB = 2 ** 30;
export const INV_GIB = 1 / GIB;

/** The low 32 bits of the vpn of tag code c: the set index. */
export function vpnLow(hi: number, lo: number, c: number): number {
  return c === 0
    ? (hi << 18) | (lo >>> 12)
    : c === 1
    ? (hi << 9) | (lo >>> 21)
    : hi >>> (9 * (c - 2));
}

/** The exact vpn (up to 2^40), for the tag. */
export function vpnExact(hi: number, lo: number, c: number): number {
  return c === 0
    ? hi * 262144 + (lo >>> 12)
    : c === 1
    ? hi * 512 + (lo >>> 21)
    : hi >>> (9 * (c - 2));
}

/** Offset of IOVA (hi, lo) inside its leaf of tag code c. */
export function offsetInLeaf(hi: number, lo: number, c: number): number {
  if (c === 0) return lo & 0xfff;
  if (c === 1) return lo & 0x1fffff;
  if (c === 2) return lo;
  return (hi & ((1 << (9 * (c - 2))) - 1)) * GIB + lo;
}
