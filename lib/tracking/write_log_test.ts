// The write log's planes against one flag per page and reader: a write sets
// both readers' flags, a reader clears only its own.

import assert from "node:assert/strict";
import fc from "fast-check";
import { WriteLog } from "./write_log.ts";

const bit = (b: Uint8Array, p: number) => (b[p >> 3] >> (p & 7)) & 1;

Deno.test("property: each plane holds what a flag of its own per page would", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.tuple(fc.nat(3), fc.nat()), { maxLength: 60 }),
      (pages, ops) => {
        const log = new WriteLog(pages, { report: true });
        const copy = new Array(pages).fill(0), report = new Array(pages).fill(0);
        for (const [op, x] of ops) {
          const p = x % pages;
          if (op <= 1) {
            log.marks[p >> 3] |= 1 << (p & 7); // a DMA write
            copy[p] = report[p] = 1;
          } else {
            log.sync();
            const [plane, flags] = op === 2 ? [log.sinceCopy, copy] : [log.sinceReport!, report];
            for (let q = 0; q < pages; q++) assert.equal(bit(plane, q), flags[q], `page ${q}`);
            plane[p >> 3] &= ~(1 << (p & 7)); // this reader clears page p
            flags[p] = 0;
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("one reader reads the marks themselves; sync moves nothing", () => {
  const log = new WriteLog(16);
  assert.equal(log.sinceCopy, log.marks);
  assert.equal(log.sinceReport, null);
  log.marks[1] = 0x80;
  log.sync();
  assert.equal(log.sinceCopy[1], 0x80);
});

Deno.test("a page count that is not a whole number >= 0 is refused", () => {
  assert.throws(() => new WriteLog(-1), /-1 pages/);
  assert.throws(() => new WriteLog(1.5), /1.5 pages/);
});
