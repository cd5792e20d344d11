// The frontier figure's caption, the one `deno task publish` and `deno task
// site` both draw: it names the sweep (so reproduce finds it from the figure),
// its runs, engine and short commit, and says when the tree had changes.

import assert from "node:assert/strict";
import { frontierSource, shortCommit } from "./figure.ts";
import { sweepIdsIn } from "./notebook_page.ts";

const SWEEP = {
  id: "20261201-100330-9705",
  runs: 81,
  engineVersion: "0.1.0+src.cf1d87d291af",
  gitCommit: "07d7347ee1e50fa4a97c828c6fe585677025ef2b",
  gitDirty: false,
};

Deno.test("figure: the caption names the sweep, its runs, engine and commit", () => {
  assert.equal(
    frontierSource(SWEEP),
    "sweep 20261201-100330-9705 (81 runs, engine 0.1.0+src.cf1d87d291af, commit 07d7347ee1e5)",
  );
  assert.deepEqual(sweepIdsIn(frontierSource(SWEEP)), [SWEEP.id]);
  assert.match(frontierSource({ ...SWEEP, gitDirty: true }), /commit 07d7347ee1e5\+changes\)$/);
  assert.match(frontierSource({ ...SWEEP, gitCommit: null, gitDirty: null }), /commit unknown\)$/);
  assert.equal(shortCommit(""), "unknown");
});
