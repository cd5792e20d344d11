// The mapped IOVA ranges of a domain with the page size each was mapped at,
// kept apart from the page table like iommufd's IOAS areas (io_pagetable.c):
// a dirty read of a range not contiguously mapped is EINVAL, a map over a
// mapped range EEXIST, and a collapse never builds a leaf larger than the
// size the range was mapped at. Sorted, disjoint, like neighbours merged.

export class IntervalSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly values: number[] = [];

  /** Index of the first range whose end is > x. */
  private firstEndingAfter(x: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  overlaps(start: number, end: number): boolean {
    const i = this.firstEndingAfter(start);
    return i < this.starts.length && this.starts[i] < end;
  }

  /** True if every byte of [start, end) is in some range. */
  covers(start: number, end: number): boolean {
    let i = this.firstEndingAfter(start);
    let at = start;
    while (at < end) {
      if (i >= this.starts.length || this.starts[i] > at) return false;
      at = this.ends[i++];
    }
    return true;
  }

  /** The value of the range holding x, or undefined. */
  valueAt(x: number): number | undefined {
    const i = this.firstEndingAfter(x);
    return i < this.starts.length && this.starts[i] <= x ? this.values[i] : undefined;
  }

  /** Adds [start, end) with `value`; it must not overlap a present range. */
  add(start: number, end: number, value: number): void {
    if (this.overlaps(start, end)) throw new Error(`IntervalSet: [${start}, ${end}) overlaps`);
    let i = this.firstEndingAfter(start);
    if (i > 0 && this.ends[i - 1] === start && this.values[i - 1] === value) {
      i--;
      start = this.starts[i];
      this.splice(i, 1);
    }
    if (i < this.starts.length && this.starts[i] === end && this.values[i] === value) {
      end = this.ends[i];
      this.splice(i, 1);
    }
    this.splice(i, 0, [start], [end], [value]);
  }

  /** Removes [start, end) from whatever ranges it touches. */
  remove(start: number, end: number): void {
    const i = this.firstEndingAfter(start);
    const s: number[] = [];
    const e: number[] = [];
    const v: number[] = [];
    let j = i;
    while (j < this.starts.length && this.starts[j] < end) {
      if (this.starts[j] < start) s.push(this.starts[j]), e.push(start), v.push(this.values[j]);
      if (this.ends[j] > end) s.push(end), e.push(this.ends[j]), v.push(this.values[j]);
      j++;
    }
    this.splice(i, j - i, s, e, v);
  }

  private splice(i: number, n: number, s: number[] = [], e: number[] = [], v: number[] = []) {
    this.starts.splice(i, n, ...s);
    this.ends.splice(i, n, ...e);
    this.values.splice(i, n, ...v);
  }
}
