// Trains the DMA loops' type feedback once per process (or worker) on a tiny
// domain of their own, before any run needs them: every path of both hot
// loops and the general path (hits and misses at 4 KiB and 2 MiB, writes to
// clean and dirty entries, a write across pages in a leaf and one across
// leaves, a walk cache, faults). V8 compiles a loop with the feedback it has;
// a path first taken in optimized code deoptimizes it, and the rest of that
// batch (up to 65,536 accesses) runs unoptimized until it recompiles, which
// cost a fresh sweep worker ~1 s of warm-up. Nothing here touches a run's
// state: the domain, its caches and its log are thrown away.

import { dmaPacked } from "./dma_packed.ts";
import { DmaState } from "./dma_state.ts";
import { dmaWide } from "./dma_wide.ts";
import { Gather } from "./gather.ts";
import { LruTable } from "./lru.ts";
import { PageTable } from "./page_table.ts";
import type { DmaBatch } from "./types.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

let warmed = false;

/** Runs the training once; later calls return at once. */
export function warmUpDmaLoops(): void {
  if (warmed) return;
  warmed = true;
  for (const walk of [false, true]) {
    train(dmaPacked, 8, walk);
    train(dmaWide, 16, walk);
  }
}

function train(
  run: (s: DmaState, batch: DmaBatch, count: number) => void,
  ways: number,
  walk: boolean,
): void {
  // [0, 4 MiB − 8 KiB) at 4 KiB, [4 MiB, 8 MiB) at 2 MiB, the last 2 MiB split.
  const pt = new PageTable(4, 16, 8 * MiB);
  pt.map(0, 4 * MiB - 8 * KiB, 1);
  pt.map(4 * MiB, 8 * MiB, 2);
  pt.split(6 * MiB, 8 * MiB, 1, new Gather());
  const s = new DmaState(
    pt,
    new LruTable(2 * ways, ways),
    walk ? new LruTable(4, 2) : null,
  );
  s.structureChanged();
  s.writeLog = new Uint8Array((8 * MiB) / (4 * KiB) / 8);
  const ops: [number, number, boolean][] = [];
  for (let k = 0; k < 24; k++) {
    ops.push([(k % 12) * 4 * KiB, 4 * KiB, k % 3 === 0]); // 4 KiB leaves: misses, then hits
    ops.push([4 * MiB + (k % 6) * 64 * KiB, 512, k % 2 === 0]); // a 2 MiB leaf
    ops.push([6 * MiB + (k % 5) * 4 * KiB, 64, k % 4 === 0]); // split leaves
  }
  ops.push([4 * MiB + 4000, 8 * KiB, true]); // across pages inside a 2 MiB leaf
  ops.push([3 * 4 * KiB + 100, 8 * KiB, true]); // across 4 KiB leaves: the general path
  ops.push([12 * MiB, 4 * KiB, false]); // beyond the directory: the general path
  const batch: DmaBatch = {
    iova: Float64Array.from(ops, (o) => o[0]),
    length: Uint32Array.from(ops, (o) => o[1]),
    write: Uint8Array.from(ops, (o) => (o[2] ? 1 : 0)),
  };
  for (const tracking of [false, true, true]) {
    s.tracking = tracking;
    pt.clearAllDirty();
    try {
      run(s, batch, ops.length);
    } catch {
      // the last access is outside the map: a fault, as intended
    }
  }
  // Faults: an IOVA that is not whole, an unmapped slot of a 4 KiB table, none.
  for (const iova of [10.5, 4 * MiB - 4 * KiB, 8 * MiB + 4 * KiB]) {
    try {
      run(
        s,
        { iova: Float64Array.of(iova), length: Uint32Array.of(8), write: Uint8Array.of(1) },
        1,
      );
    } catch {
      // expected
    }
  }
}
