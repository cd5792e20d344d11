// The verifier's word-at-a-time passes against the byte-at-a-time definition
// (MODEL.md §11), on logs of any length and offset and any bitmap.

import assert from "node:assert/strict";
import fc from "fast-check";
import { LOG_WRITTEN_SINCE_COPY } from "../tracking/mod.ts";
import { Verifier } from "./verifier.ts";

/** The definition: one page at a time. */
class ByteVerifier {
  constructor(private readonly log: Uint8Array) {}
  copyAll() {
    for (let p = 0; p < this.log.length; p++) this.log[p] &= ~LOG_WRITTEN_SINCE_COPY;
  }
  copy(bitmap: Uint8Array) {
    for (let p = 0; p < this.log.length && p >> 3 < bitmap.length; p++) {
      if ((bitmap[p >> 3] >> (p & 7)) & 1) this.log[p] &= ~LOG_WRITTEN_SINCE_COPY;
    }
  }
  lostWrites() {
    let n = 0;
    for (const b of this.log) if (b & LOG_WRITTEN_SINCE_COPY) n++;
    return n;
  }
}

Deno.test("property: the verifier's word passes equal the page-at-a-time definition", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(3),
      fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 30 }), fc.uint8Array()), {
        maxLength: 5,
      }),
      (bytes, offset, steps) => {
        // The log at `offset` bytes into its buffer (unaligned ones take the byte path).
        const buf = new Uint8Array(offset + bytes.length);
        const log = buf.subarray(offset);
        log.set(bytes);
        const ref = Uint8Array.from(bytes);
        const v = new Verifier(log);
        const r = new ByteVerifier(ref);
        assert.equal(v.lostWrites(), r.lostWrites());
        for (const [all, bitmap, writes] of steps) {
          if (all) {
            v.copyAll();
            r.copyAll();
          } else {
            v.copy(bitmap);
            r.copy(bitmap);
          }
          assert.deepEqual(log, ref);
          assert.equal(v.lostWrites(), r.lostWrites());
          // The domain writes between reads.
          for (let k = 0; k < writes.length && log.length > 0; k++) {
            const p = writes[k] % log.length;
            log[p] |= LOG_WRITTEN_SINCE_COPY;
            ref[p] |= LOG_WRITTEN_SINCE_COPY;
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
