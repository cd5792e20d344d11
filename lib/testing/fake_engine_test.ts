// The sweep tests' stand-in engine keeps the real engine's rules: every result
// passes checkSimResult (the fake also checks before returning), round 0 sends
// all memory, and a run converges when its last pre-copy read fits the
// downtime limit, or stops at maxRounds as simulate() does.
import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { simResultProblems, simulate as realSimulate } from "../migration/mod.ts";
import { simulate } from "./fake_engine.ts";

Deno.test("fake engine: its results keep simulate()'s contract over a grid of configs", async () => {
  let converged = 0, stopped = 0;
  for (const pageSize of ["4KiB", "2MiB", "1GiB"]) {
    for (const split of ["none", "eager", "lazy"]) {
      for (const seed of [1, 2, 3, 4]) {
        const r = await simulate({ seed, iommu: { pageSize }, tracking: { split } });
        assert.deepEqual(simResultProblems(r), [], `${pageSize} ${split} ${seed}`);
        const threshold = r.config.migration.bandwidth * r.config.migration.downtimeLimit / 1000;
        const last = r.rounds.at(-1)!;
        assert.equal(r.summary.converged, last.bytesSent <= threshold);
        if (r.summary.converged) converged++;
        else {
          stopped++;
          assert.equal(r.summary.rounds, r.config.migration.maxRounds);
        }
        assert.equal(last.translations, 0, "no DMA during the stop-and-copy");
      }
    }
  }
  assert.ok(converged > 0 && stopped > 0, `${converged} converged, ${stopped} at maxRounds`);
});

Deno.test("fake engine: the same config gives the same result; it validates like the engine", async () => {
  assert.deepEqual(await simulate({ seed: 5 }), await simulate({ seed: 5 }));
  assert.notDeepEqual(await simulate({ seed: 5 }), await simulate({ seed: 6 }));
  assert.deepEqual((await simulate({})).config, parseConfig({}));
  await assert.rejects(simulate({ tracking: { split: "eagre" } }), /eagre/);
  await assert.rejects(realSimulate({ tracking: { split: "eagre" } }), /eagre/);
});
