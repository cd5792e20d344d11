// One generic set-associative LRU table, used for the IOTLB and for the
// paging-structure (walk) cache (ChampSim reuses one cache class for every
// level). Tags are numbers; a set's recency order for up to 8 ways is packed
// 3 bits a way into one Int32 (position 0 = most recent), so a miss finds its
// victim in O(1) (ENV-NOTES "Hot path in Deno"), and such a set always takes 8
// tag slots (the unused ones stay empty) so a probe is 8 compares without a
// loop; wider sets (e.g. a fully associative 64-entry IOTLB) use per-way time
// stamps instead, with a linear scan for the victim.
//
// IommuDomain.dmaBatch deliberately duplicates lookup/touch/insert inline for
// speed (both the packed order and the stamps); a property test in
// domain_test.ts keeps its results equal to these methods' (the general path).
// Change both together.

/** A tag that no lookup produces: marks an empty way. */
export const INVALID_TAG = -1;

/** Widest set that uses the packed recency order. */
export const PACKED_MAX_WAYS = 8;

export class LruTable {
  readonly entries: number;
  readonly ways: number;
  readonly sets: number;
  /** sets − 1: the set of a tag's key k is k & setMask. */
  readonly setMask: number;
  /** Tag slots a set takes: 8 when packed, else `ways`. Entry = set × stride + way. */
  readonly stride: number;
  /** Tag of each entry slot; INVALID_TAG when empty (or beyond `ways`). */
  readonly tags: Float64Array;
  /** Packed recency order per set (ways <= 8): field p (3 bits) = way at recency p. */
  readonly order: Int32Array;
  /** Last-use stamp per entry (ways > 8). */
  readonly stamps: Float64Array;
  readonly packed: boolean;
  /** Last stamp handed out (ways > 8); dmaBatch advances it too. */
  clock = 0;
  private readonly identityOrder: number;

  constructor(entries: number, ways: number) {
    if (!Number.isInteger(entries) || entries < 1) {
      throw new Error(`LruTable: entries ${entries} must be a positive integer`);
    }
    if (!Number.isInteger(ways) || ways < 1 || entries % ways !== 0) {
      throw new Error(`LruTable: ways ${ways} must divide entries ${entries}`);
    }
    const sets = entries / ways;
    if ((sets & (sets - 1)) !== 0) {
      throw new Error(
        `LruTable: ${entries} entries / ${ways} ways = ${sets} sets, not a power of two`,
      );
    }
    this.entries = entries;
    this.ways = ways;
    this.sets = sets;
    this.setMask = sets - 1;
    this.packed = ways <= PACKED_MAX_WAYS;
    this.stride = this.packed ? PACKED_MAX_WAYS : ways;
    this.tags = new Float64Array(sets * this.stride);
    this.order = new Int32Array(this.packed ? sets : 0);
    this.stamps = new Float64Array(this.packed ? 0 : entries);
    let id = 0;
    for (let w = 0; w < (this.packed ? ways : 0); w++) id |= w << (3 * w);
    this.identityOrder = id;
    this.clear();
  }

  /** Empties every way (a flush). */
  clear(): void {
    this.tags.fill(INVALID_TAG);
    this.order.fill(this.identityOrder);
    this.stamps.fill(0);
    this.clock = 0;
  }

  /**
   * Looks `tag` up in `set`; on a hit makes it most recent and returns its
   * entry index, else returns −1 and changes nothing.
   */
  lookup(set: number, tag: number): number {
    const ways = this.ways;
    const base = set * this.stride;
    const tags = this.tags;
    for (let w = 0; w < ways; w++) {
      if (tags[base + w] === tag) {
        this.touch(set, w);
        return base + w;
      }
    }
    return -1;
  }

  /** The entry index holding `tag` in `set`, or −1; recency is left alone. */
  find(set: number, tag: number): number {
    const base = set * this.stride;
    for (let w = 0; w < this.ways; w++) if (this.tags[base + w] === tag) return base + w;
    return -1;
  }

  /**
   * Puts `tag` into `set` in place of the least recently used way (an empty
   * way first), makes it most recent and returns its entry index. The caller
   * has looked the tag up and missed.
   */
  insert(set: number, tag: number): number {
    const ways = this.ways;
    const base = set * this.stride;
    let w: number;
    if (this.packed) {
      const o = this.order[set];
      const last = 3 * (ways - 1);
      w = (o >>> last) & 7;
      this.order[set] = ((o & ((1 << last) - 1)) << 3) | w;
    } else {
      const st = this.stamps;
      w = 0;
      let best = st[base];
      for (let i = 1; i < ways; i++) {
        if (st[base + i] < best) {
          best = st[base + i];
          w = i;
        }
      }
      st[base + w] = ++this.clock;
    }
    this.tags[base + w] = tag;
    return base + w;
  }

  /** Makes way `w` of `set` the most recent. */
  touch(set: number, w: number): void {
    if (this.packed) {
      const o = this.order[set];
      let p = 0;
      while (((o >>> (3 * p)) & 7) !== w) p++;
      if (p !== 0) {
        const low = (1 << (3 * p)) - 1;
        this.order[set] = (o & ~((low << 3) | 7)) | ((o & low) << 3) | w;
      }
    } else {
      this.stamps[set * this.stride + w] = ++this.clock;
    }
  }

  /** Empties one entry and makes its way the next victim of its set. */
  invalidate(entry: number): void {
    const ways = this.ways;
    const set = (entry / this.stride) | 0;
    const w = entry - set * this.stride;
    this.tags[entry] = INVALID_TAG;
    if (this.packed) {
      const o = this.order[set];
      let p = 0;
      while (((o >>> (3 * p)) & 7) !== w) p++;
      const last = ways - 1;
      if (p !== last) {
        // Positions after p move one up; w goes to the last (victim) position.
        const below = o & ((1 << (3 * p)) - 1);
        const above = (o >>> (3 * (p + 1))) & ((1 << (3 * (last - p))) - 1);
        this.order[set] = below | (above << (3 * p)) | (w << (3 * last));
      }
    } else {
      this.stamps[entry] = 0;
    }
  }

  /** Ways of `set` from most to least recent (for tests and inspection). */
  recency(set: number): number[] {
    const out: number[] = [];
    if (this.packed) {
      const o = this.order[set];
      for (let p = 0; p < this.ways; p++) out.push((o >>> (3 * p)) & 7);
    } else {
      const base = set * this.stride;
      const ws = Array.from({ length: this.ways }, (_, w) => w);
      ws.sort((a, b) => this.stamps[base + b] - this.stamps[base + a]);
      out.push(...ws);
    }
    return out;
  }

  /** Number of valid entries. */
  occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] !== INVALID_TAG) n++;
    return n;
  }
}
