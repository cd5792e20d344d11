// Bitmaps in the kernel's layout (iommufd IOMMU_HWPT_GET_DIRTY_BITMAP,
// VFIO DMA logging): bit k, for [base + k·pageSize, +pageSize), is bit k&7
// of byte k>>3. Helpers to count bits and widen a coarse bitmap to 4 KiB.

/** Number of set bits among the first `nbits`. */
export function popcount(bitmap: Uint8Array, nbits = bitmap.length * 8): number {
  let n = 0;
  const fullBytes = nbits >> 3;
  for (let i = 0; i < fullBytes; i++) {
    let b = bitmap[i];
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    n += (b + (b >> 4)) & 0x0f;
  }
  for (let k = fullBytes << 3; k < nbits; k++) n += (bitmap[k >> 3] >> (k & 7)) & 1;
  return n;
}

export function testBit(bitmap: Uint8Array, k: number): boolean {
  return ((bitmap[k >> 3] >> (k & 7)) & 1) === 1;
}

export function setBit(bitmap: Uint8Array, k: number): void {
  bitmap[k >> 3] |= 1 << (k & 7);
}

/** Calls fn(k) for every set bit k below nbits, in order. */
export function forEachSetBit(bitmap: Uint8Array, nbits: number, fn: (k: number) => void): void {
  const bytes = (nbits + 7) >> 3;
  for (let i = 0; i < bytes; i++) {
    let b = bitmap[i];
    while (b !== 0) {
      const low = b & -b;
      const k = (i << 3) + (31 - Math.clz32(low));
      if (k >= nbits) return;
      fn(k);
      b ^= low;
    }
  }
}
