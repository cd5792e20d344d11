// The generators inline the xoshiro128** step (state in locals, no call per
// draw); these tests tie every inlined copy to the reference in rng.ts by
// comparing the streams: each generator's output against the same draws made
// through Rng.nextU32 / nextFloat / nextBelow, and the state it leaves. (The
// zipf copies are tied the same way by zipf_exact_test.ts, whose reference
// draws with Rng.nextFloat.)

import assert from "node:assert/strict";
import { fillWrites, type OpSource } from "./fixed_rate.ts";
import { MixSource } from "./mix.ts";
import { RingSource } from "./ring.ts";
import { Rng } from "./rng.ts";
import type { SourceContext } from "./source.ts";
import type { DmaBatch } from "./types.ts";
import { UniformSource } from "./uniform.ts";

function batchOf(n: number): DmaBatch {
  return { iova: new Float64Array(n), length: new Uint32Array(n), write: new Uint8Array(n) };
}

const state = (r: Rng) => [r.s0 | 0, r.s1 | 0, r.s2 | 0, r.s3 | 0];

Deno.test("fillWrites draws Rng.nextU32() < threshold for each operation", () => {
  for (const fraction of [0.5, 0.1, 0.999, 1e-9]) {
    const threshold = fraction * 2 ** 32;
    const inlined = Rng.fromSeed(3, "w"), ref = Rng.fromSeed(3, "w");
    const write = new Uint8Array(10_000);
    fillWrites(inlined, write, 0, 4_000, threshold);
    fillWrites(inlined, write, 4_000, 6_000, threshold);
    for (let i = 0; i < write.length; i++) {
      assert.equal(write[i], ref.nextU32() < threshold ? 1 : 0, `fraction ${fraction}, op ${i}`);
    }
    assert.deepEqual(state(inlined), state(ref));
  }
});

Deno.test("uniform's three paths draw the reference's slot and write flag for each operation", () => {
  const cases: [string, number, number, (r: Rng, slots: number) => number][] = [
    ["shift, 2^14 slots", 4096, 2 ** 26, (r, slots) => r.nextU32() >>> (32 - Math.log2(slots))],
    ["Lemire, 10^4 slots", 4096, 10_000 * 4096, (r, slots) => r.nextBelow(slots)],
    ["Lemire, 3 slots", 4096, 3 * 4096, (r, slots) => r.nextBelow(slots)],
    ["Lemire, 1 slot", 4096, 4096, (r, slots) => r.nextBelow(slots)],
    ["53-bit, 3·2^22 slots", 64, 3 * 2 ** 28, (r, slots) => Math.floor(r.nextFloat() * slots)],
  ];
  for (const [label, accessSize, workingSet, draw] of cases) {
    const root = Rng.fromSeed(9, "workload");
    const ctx: SourceContext = {
      stream: (l) => root.derive(l),
      guestMemory: 2 ** 40,
      key: "workload",
    };
    const src = new UniformSource(
      { writeFraction: 0.5, accessSize, workingSet, offset: 8192 },
      ctx,
    );
    const address = root.derive("address"), writes = root.derive("write");
    const slots = Math.floor(workingSet / accessSize);
    const batch = batchOf(5_000);
    for (const n of [5_000, 1, 4_999]) {
      src.emit(batch, 0, n);
      for (let i = 0; i < n; i++) {
        assert.equal(batch.iova[i], 8192 + draw(address, slots) * accessSize, `${label}, op ${i}`);
        assert.equal(batch.write[i], writes.nextU32() < 2 ** 31 ? 1 : 0, `${label}, write ${i}`);
      }
    }
  }
});

Deno.test("ring draws its write flags from Rng.nextU32, in the same pass as its addresses", () => {
  for (const writeFraction of [0.3, 0, 1]) {
    const root = Rng.fromSeed(6, "workload");
    const ctx: SourceContext = { stream: (l) => root.derive(l), guestMemory: 2 ** 30, key: "w" };
    const src = new RingSource(
      {
        writeFraction,
        accessSize: 4096,
        workingSet: 2 ** 20,
        offset: 0,
        buffers: 7,
        bufferSize: 10_000,
      },
      ctx,
    );
    const writes = root.derive("write"), threshold = writeFraction * 2 ** 32;
    const batch = batchOf(3_000);
    for (const n of [3_000, 5, 2_000]) {
      src.emit(batch, 0, n);
      for (let i = 0; i < n; i++) {
        const want = threshold <= 0
          ? 0
          : threshold >= 2 ** 32
          ? 1
          : +(writes.nextU32() < threshold);
        assert.equal(batch.write[i], want, `writeFraction ${writeFraction}, op ${i}`);
      }
    }
  }
});

/** A part that writes its index and a running count as the iova, so the mix's choices show. */
function marker(part: number): OpSource {
  let count = 0;
  return {
    ranges: [],
    get emittedBytes() {
      return count; // one byte an operation
    },
    emit(batch, start, n) {
      for (let i = start; i < start + n; i++) {
        batch.iova[i] = part * 1e9 + count++;
        batch.length[i] = 1;
        batch.write[i] = 0;
      }
    },
  };
}

Deno.test("mix draws each operation's part from Rng.nextU32, with and without the branch-free count", () => {
  for (const weights of [[1], [1, 1], [1, 2, 3], [0.5, 1, 1, 7], [1, 1, 1, 1, 1, 3]]) {
    const mix = new MixSource(
      weights.map((weight, j) => ({ source: marker(j), weight })),
      Rng.fromSeed(4, "choice"),
    );
    const ref = Rng.fromSeed(4, "choice");
    const total = weights.reduce((a, b) => a + b);
    const bounds: number[] = [];
    let acc = 0;
    weights.forEach((w, j) => {
      acc += w;
      bounds.push(j === weights.length - 1 ? 2 ** 32 : Math.round((acc / total) * 2 ** 32));
    });
    const seen = weights.map(() => 0);
    const batch = batchOf(3_000);
    for (const n of [3_000, 7, 2_000]) {
      mix.emit(batch, 0, n);
      for (let i = 0; i < n; i++) {
        const r = ref.nextU32();
        let j = 0;
        while (j < weights.length - 1 && r >= bounds[j]) j++;
        assert.equal(batch.iova[i], j * 1e9 + seen[j]++, `weights ${weights}, op ${i}`);
      }
    }
  }
});
