// One generic set-associative true-LRU table, for the IOTLB and the walk
// cache alike (ChampSim reuses one cache class for every level). Sets of up
// to 8 ways pack their recency order 3 bits a way into one Int32; wider sets
// keep a tag hash and per-set recency lists: lookup, victim and invalidation
// are O(1) either way (ENV-NOTES "Hot path in Deno").

/** A tag that no lookup produces: marks an empty way (and an empty hash slot). */
export const INVALID_TAG = -1;

/** Widest set that uses the packed recency order. */
export const PACKED_MAX_WAYS = 8;

/** Multiplier of the tag hash (Fibonacci hashing of the tag's low 32 bits). */
export const HASH_MUL = 0x9e3779b1 | 0;

/**
 * The 8-bit fingerprint of a tag that a packed set keeps per way (tag's low 32
 * bits, Fibonacci-hashed): a hint only, so a lookup that finds no way with the
 * tag's fingerprint has missed, and one that finds one still compares tags.
 */
export function fingerprint(tag: number): number {
  return Math.imul(tag | 0, HASH_MUL) >>> 24;
}

/** Slots beyond which a wide table's hash is no longer kept at load <= 1/16. */
const HASH_MAX_SPARSE_SLOTS = 1 << 20;

/** Hash slot of `tag` in a table of 2^(32 − shift) slots (dmaBatch inlines it). */
export function hashSlot(tag: number, shift: number): number {
  return Math.imul(tag | 0, HASH_MUL) >>> shift;
}

/**
 * A set of up to 8 ways takes 8 tag slots (the unused ones stay empty), so a
 * probe is 8 compares without a loop, and its order (position 0 = most
 * recent) gives a miss its victim at once. Wider sets (e.g. a fully
 * associative 64-entry IOTLB) keep exact true LRU with an open-addressing
 * hash from tag to entry over the whole table (linear probing, load <= 1/16
 * up to 2^20 slots, backward-shift deletion, so no tombstones) and per set an
 * intrusive doubly linked recency list (head = most recent, tail = victim;
 * empty ways sit at the tail). A tag belongs to one set (its vpn's low bits),
 * so one hash serves every set.
 *
 * dma_packed.ts and dma_wide.ts duplicate lookup/touch/insert inline for
 * speed; properties_test.ts holds both paths to a reference model. Change
 * them together.
 */
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
  /**
   * Packed sets: two words per set, byte w & 3 of word 2·set + (w >> 2) the
   * fingerprint of way w's tag. Every valid way's byte is its tag's (empty
   * ways may keep a stale one), so the hot loop rules out a miss with a few
   * word operations instead of 8 tag compares.
   */
  readonly fingerprints: Int32Array;
  readonly packed: boolean;
  // Wide sets (ways > 8); empty arrays when packed.
  /** Hash keys: a tag, or INVALID_TAG for a free slot. Size a power of two. */
  readonly hashKeys: Float64Array;
  /** Hash values: the entry holding the slot's tag. */
  readonly hashEntries: Int32Array;
  /** hashKeys.length − 1. */
  readonly hashMask: number;
  /** 32 − log2(hashKeys.length): hashSlot(tag, hashShift) is a tag's home slot. */
  readonly hashShift: number;
  /** Recency list links per entry (entry indexes; −1 ends the list). */
  readonly prev: Int32Array;
  readonly next: Int32Array;
  /** Per set: the most recent entry (head) and the least recent, the victim (tail). */
  readonly head: Int32Array;
  readonly tail: Int32Array;
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
    this.fingerprints = new Int32Array(this.packed ? 2 * sets : 0);
    let slots = 0;
    if (!this.packed) {
      // Sparse on purpose: at load <= 1/16 a probe almost always ends at its
      // home slot, which the CPU predicts (load 1/2 ran wide sets at half the
      // speed, on random misses). Big tables stop at 2^20 slots, load <= 1/2.
      slots = 16;
      while (slots < 16 * entries && slots < HASH_MAX_SPARSE_SLOTS) slots *= 2;
      while (slots < 2 * entries) slots *= 2;
    }
    this.hashKeys = new Float64Array(slots);
    this.hashEntries = new Int32Array(slots);
    this.hashMask = slots - 1;
    this.hashShift = 32 - Math.log2(Math.max(slots, 1));
    const wide = this.packed ? 0 : entries;
    this.prev = new Int32Array(wide);
    this.next = new Int32Array(wide);
    this.head = new Int32Array(this.packed ? 0 : sets);
    this.tail = new Int32Array(this.packed ? 0 : sets);
    let id = 0;
    for (let w = 0; w < (this.packed ? ways : 0); w++) id |= w << (3 * w);
    this.identityOrder = id;
    this.clear();
  }

  /** Empties every way (a flush). */
  clear(): void {
    this.tags.fill(INVALID_TAG);
    this.order.fill(this.identityOrder);
    if (this.packed) return;
    this.hashKeys.fill(INVALID_TAG);
    // Each set's list runs from its last way (head) to way 0 (tail): an empty
    // set fills way 0 first, then 1, ...
    const ways = this.ways;
    for (let s = 0; s < this.sets; s++) {
      const base = s * ways;
      for (let w = 0; w < ways; w++) {
        this.next[base + w] = w === 0 ? -1 : base + w - 1;
        this.prev[base + w] = w === ways - 1 ? -1 : base + w + 1;
      }
      this.head[s] = base + ways - 1;
      this.tail[s] = base;
    }
  }

  /**
   * Looks `tag` up in `set`; on a hit makes it most recent and returns its
   * entry index, else returns −1 and changes nothing.
   */
  lookup(set: number, tag: number): number {
    if (!this.packed) {
      const e = this.find(set, tag);
      if (e >= 0) this.toFront(set, e);
      return e;
    }
    const base = set * PACKED_MAX_WAYS;
    const tags = this.tags;
    for (let w = 0; w < this.ways; w++) {
      if (tags[base + w] === tag) {
        this.touch(set, w);
        return base + w;
      }
    }
    return -1;
  }

  /** The entry index holding `tag` in `set`, or −1; recency is left alone. */
  find(set: number, tag: number): number {
    if (!this.packed) {
      if (tag === INVALID_TAG) return -1;
      const e = this.hashFind(tag);
      return e >= 0 && e >= set * this.stride && e < (set + 1) * this.stride ? e : -1;
    }
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
    if (!this.packed) {
      const v = this.tail[set];
      const old = this.tags[v];
      if (old !== INVALID_TAG) this.hashDelete(old);
      this.toFront(set, v);
      this.tags[v] = tag;
      this.hashInsert(tag, v);
      return v;
    }
    const ways = this.ways;
    const base = set * PACKED_MAX_WAYS;
    const o = this.order[set];
    const last = 3 * (ways - 1);
    const w = (o >>> last) & 7;
    this.order[set] = ((o & ((1 << last) - 1)) << 3) | w;
    this.tags[base + w] = tag;
    const f = 2 * set + (w >> 2);
    const at = 8 * (w & 3);
    this.fingerprints[f] = (this.fingerprints[f] & ~(0xff << at)) | (fingerprint(tag) << at);
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
      this.toFront(set, set * this.stride + w);
    }
  }

  /** Empties one entry and makes its way the next victim of its set. */
  invalidate(entry: number): void {
    const ways = this.ways;
    const set = (entry / this.stride) | 0;
    const w = entry - set * this.stride;
    if (!this.packed) {
      const tag = this.tags[entry];
      if (tag !== INVALID_TAG) this.hashDelete(tag);
      this.tags[entry] = INVALID_TAG;
      this.toBack(set, entry);
      return;
    }
    this.tags[entry] = INVALID_TAG;
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
  }

  /** Ways of `set` from most to least recent (for tests and inspection). */
  recency(set: number): number[] {
    const out: number[] = [];
    if (this.packed) {
      const o = this.order[set];
      for (let p = 0; p < this.ways; p++) out.push((o >>> (3 * p)) & 7);
    } else {
      const base = set * this.stride;
      for (let e = this.head[set]; e >= 0; e = this.next[e]) out.push(e - base);
    }
    return out;
  }

  /** Number of valid entries. */
  occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] !== INVALID_TAG) n++;
    return n;
  }

  // --- wide sets: the hash and the recency lists --------------------------------

  /** The entry holding `tag` anywhere in the table (wide sets), or −1. */
  hashFind(tag: number): number {
    const keys = this.hashKeys;
    const mask = this.hashMask;
    let h = hashSlot(tag, this.hashShift);
    for (;;) {
      const k = keys[h];
      if (k === tag) return this.hashEntries[h];
      if (k === INVALID_TAG) return -1;
      h = (h + 1) & mask;
    }
  }

  private hashInsert(tag: number, entry: number): void {
    const keys = this.hashKeys;
    const mask = this.hashMask;
    let h = hashSlot(tag, this.hashShift);
    while (keys[h] !== INVALID_TAG) h = (h + 1) & mask;
    keys[h] = tag;
    this.hashEntries[h] = entry;
  }

  /** Removes `tag` (backward-shift deletion: later keys of the probe run move up). */
  private hashDelete(tag: number): void {
    const keys = this.hashKeys;
    const vals = this.hashEntries;
    const mask = this.hashMask;
    const shift = this.hashShift;
    let i = hashSlot(tag, shift);
    for (;;) {
      const k = keys[i];
      if (k === tag) break;
      if (k === INVALID_TAG) throw new Error(`LruTable: tag ${tag} is not in the hash`);
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === INVALID_TAG) break;
      // k may fill the hole at i unless its home lies cyclically in (i, j].
      if (((j - hashSlot(k, shift)) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = INVALID_TAG;
  }

  /** Makes entry `e` of `set` the head (most recent) of its list. */
  toFront(set: number, e: number): void {
    const h = this.head[set];
    if (h === e) return;
    const prev = this.prev;
    const next = this.next;
    const p = prev[e];
    const n = next[e];
    next[p] = n; // e is not the head, so p >= 0
    if (n < 0) this.tail[set] = p;
    else prev[n] = p;
    prev[e] = -1;
    next[e] = h;
    prev[h] = e;
    this.head[set] = e;
  }

  /** Makes entry `e` of `set` the tail (the next victim) of its list. */
  private toBack(set: number, e: number): void {
    const t = this.tail[set];
    if (t === e) return;
    const prev = this.prev;
    const next = this.next;
    const p = prev[e];
    const n = next[e];
    prev[n] = p; // e is not the tail, so n >= 0
    if (p < 0) this.head[set] = n;
    else next[p] = n;
    next[e] = -1;
    prev[e] = t;
    next[t] = e;
    this.tail[set] = e;
  }
}
