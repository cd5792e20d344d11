// The gather (Linux struct iommu_iotlb_gather): ranges a page-table change
// or a dirty read has made stale, collected so that one flush pays for them
// (STYLE: the page-table code records what it changed; the caller pays). It
// only merges ranges; which descriptors they become is the invalidator's.

/**
 * Ranges waiting for invalidation, merged when contiguous or overlapping.
 * Callers add them in ascending IOVA order, as a page-table walk finds them;
 * a range that starts at or before the last runs (a collapse one level up
 * after the collapses below it) absorbs them.
 */
export class Gather {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Ranges added since the last clear (leaves, before merging). */
  added = 0;

  add(start: number, end: number): void {
    this.added++;
    let n = this.ends.length;
    while (n > 0 && this.starts[n - 1] >= start) {
      n--;
      if (this.ends[n] > end) end = this.ends[n];
    }
    if (n < this.ends.length) {
      this.starts.length = n;
      this.ends.length = n;
    }
    if (n > 0 && this.ends[n - 1] >= start) {
      if (end > this.ends[n - 1]) this.ends[n - 1] = end;
    } else {
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  get runs(): number {
    return this.starts.length;
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.added = 0;
  }
}
