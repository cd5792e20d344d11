import assert from "node:assert/strict";
import { NOTEBOOK_COMMAND_ENV, notebookCommand, simSource, sweepSource } from "./provenance.ts";
import { reproduceCommand } from "./run.ts";

const sweep = {
  sweepId: "20261201-000000-ab12",
  plan: { engineVersion: "0.1.0+src.x", points: [{ runKey: "k1" }, { runKey: "k2" }] },
};

Deno.test("sweepSource: names the sweep whose rows are drawn, with their count", () => {
  assert.equal(
    sweepSource(
      sweep,
      [{ run_key: "k1" }, { run_key: "k2" }, { run_key: "k2" }],
      "deno task notebooks 03",
    ),
    "sweep 20261201-000000-ab12 (2 runs), engine 0.1.0+src.x; reproduce: deno task notebooks 03",
  );
  // Rows of another sweep (the published frontier.svg's bug) are refused.
  assert.throws(
    () => sweepSource(sweep, [{ run_key: "k1" }, { run_key: "other" }], "c"),
    /1 of 2 rows are not runs of sweep 20261201-000000-ab12 \(first run_key: other\)/,
  );
  assert.throws(() => sweepSource(sweep, [{ seed: 1 }], "c"), /not runs of sweep/);
});

Deno.test("simSource and notebookCommand", () => {
  assert.equal(
    simSource(3, "v", "cmd"),
    "3 simulate() runs in the notebook (not stored), engine v; reproduce: cmd",
  );
  const saved = Deno.env.get(NOTEBOOK_COMMAND_ENV);
  try {
    Deno.env.delete(NOTEBOOK_COMMAND_ENV);
    assert.equal(notebookCommand("03-eager-vs-lazy"), "deno task notebooks 03-eager-vs-lazy");
    assert.equal(
      notebookCommand("03-eager-vs-lazy", { quick: true }),
      "deno task notebooks 03-eager-vs-lazy --quick",
    );
    Deno.env.set(NOTEBOOK_COMMAND_ENV, "deno task notebooks 03-eager-vs-lazy --param seeds=3");
    assert.equal(
      notebookCommand("03-eager-vs-lazy"),
      "deno task notebooks 03-eager-vs-lazy --param seeds=3",
    );
    // The runner's command for another notebook is not this one's.
    assert.equal(notebookCommand("04-clear-batching"), "deno task notebooks 04-clear-batching");
  } finally {
    if (saved === undefined) Deno.env.delete(NOTEBOOK_COMMAND_ENV);
    else Deno.env.set(NOTEBOOK_COMMAND_ENV, saved);
  }
});

Deno.test("reproduceCommand: the runner's command line for a notebook and its parameters", () => {
  assert.equal(
    reproduceCommand("/x/notebooks/02-frontier.ipynb", {}),
    "deno task notebooks 02-frontier",
  );
  assert.equal(
    reproduceCommand("/x/notebooks/02-frontier.ipynb", {
      quick: true,
      seeds: 3,
      memory: "2GiB",
      pageSizes: ["2MiB", "1GiB"],
      flag: "true",
    }),
    `deno task notebooks 02-frontier --quick --param seeds=3 --param memory=2GiB ` +
      `--param 'pageSizes=["2MiB","1GiB"]' --param 'flag="true"'`,
  );
});
