// The verifier on the write log's bitmap against the page-at-a-time
// definition (MODEL.md §11): one flag per page, set by a write, cleared by a
// copy; with the device's plane beside it (two readers) and without.

import assert from "node:assert/strict";
import fc from "fast-check";
import { WriteLog } from "../tracking/mod.ts";
import { Verifier } from "./verifier.ts";

/** The definition: a flag a page. */
class PageVerifier {
  readonly written: boolean[];
  constructor(pages: number) {
    this.written = new Array(pages).fill(false);
  }
  copyAll() {
    this.written.fill(false);
  }
  copy(bitmap: Uint8Array) {
    for (let p = 0; p < this.written.length && p >> 3 < bitmap.length; p++) {
      if ((bitmap[p >> 3] >> (p & 7)) & 1) this.written[p] = false;
    }
  }
  lostWrites() {
    return this.written.filter(Boolean).length;
  }
}

Deno.test("property: the verifier on the write log equals the page-at-a-time definition", () => {
  fc.assert(
    fc.property(
      fc.nat(200),
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(2), fc.uint8Array({ maxLength: 30 }), fc.array(fc.nat())), {
        maxLength: 6,
      }),
      (pages, report, steps) => {
        const log = new WriteLog(pages, { report });
        const v = new Verifier(log);
        const r = new PageVerifier(pages);
        for (const [op, bitmap, writes] of steps) {
          // The domain writes between reads (as Domain.attachWriteLog marks).
          for (const w of pages > 0 ? writes : []) {
            const p = w % pages;
            log.marks[p >> 3] |= 1 << (p & 7);
            r.written[p] = true;
          }
          if (op === 0) {
            v.copyAll();
            r.copyAll();
          } else if (op === 1) {
            v.copy(bitmap);
            r.copy(bitmap);
          } else if (report) {
            log.sync(); // the device's reader syncs too, which must not change the verifier's view
          }
          assert.equal(v.lostWrites(), r.lostWrites());
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a write after the last copy is lost; one copied after it is not", () => {
  const log = new WriteLog(20);
  const v = new Verifier(log);
  log.marks[0] |= 1 << 3; // page 3
  log.marks[2] |= 1 << 1; // page 17
  assert.equal(v.lostWrites(), 2);
  const copied = new Uint8Array(3);
  copied[2] = 1 << 1;
  v.copy(copied);
  assert.equal(v.lostWrites(), 1, "page 3 is still unsent");
  v.copyAll();
  assert.equal(v.lostWrites(), 0);
});
