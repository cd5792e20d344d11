// Bitmaps in the kernel's layout (iommufd IOMMU_HWPT_GET_DIRTY_BITMAP,
// VFIO DMA logging): bit k, for [base + k·pageSize, +pageSize), is bit k&7
// of byte k>>3.

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
