// Sweep specs: axis text (lists, ranges), grids, zips and repeats expanded in
// order, every point validated before anything runs with errors that name
// the key, spec files (JSON, TS) and the spec written back for job files.

import assert from "node:assert/strict";
import {
  parseAxisText,
  planSpec,
  planSweep,
  readSpecFile,
  specFromArgs,
  type SweepSpec,
  SweepSpecError,
} from "./spec.ts";
import { configHash, parseConfig } from "../config/mod.ts";
import { tempDir } from "../testing/helpers.ts";

const V = { engineVersion: "test-1" };

async function problems(spec: SweepSpec): Promise<string> {
  try {
    await planSweep(spec, V);
  } catch (e) {
    assert.ok(e instanceof SweepSpecError, `expected SweepSpecError, got ${e}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(spec)} to be rejected`);
}

Deno.test("axis text: lists read like config overrides, range and choice as in Hydra", () => {
  assert.deepEqual(parseAxisText("k", "4KiB,2MiB,1GiB"), ["4KiB", "2MiB", "1GiB"]);
  assert.deepEqual(parseAxisText("k", "1,64,round"), [1, 64, "round"]);
  assert.deepEqual(parseAxisText("k", "true,false"), [true, false]);
  assert.deepEqual(parseAxisText("k", "range(1,6)"), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseAxisText("k", "range(3)"), [0, 1, 2]);
  assert.deepEqual(parseAxisText("k", "range(0, 1, 0.25)"), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(parseAxisText("k", "range(5,1,-2)"), [5, 3]);
  assert.deepEqual(parseAxisText("k", "choice(none,lazy)"), ["none", "lazy"]);
  assert.deepEqual(parseAxisText("k", '[1,2],{"a":1},"x,y"'), [[1, 2], { a: 1 }, "x,y"]);
  assert.deepEqual(parseAxisText("k", "lazy"), ["lazy"]);
  assert.deepEqual(parseAxisText("k", ""), []);
  assert.throws(() => parseAxisText("k", "a,,b"), /k: empty value in "a,,b"/);
  assert.throws(() => parseAxisText("k", "range(a,b)"), /k: range\(a,b\) needs 1 to 3 numbers/);
  assert.throws(() => parseAxisText("k", "range(1,5,0)"), /step must not be 0/);
});

Deno.test("grid: the product of the axes, first axis slowest, every point validated", async () => {
  const plan = await planSweep({
    base: { guest: { memory: "1GiB" } },
    axes: { "iommu.pageSize": "4KiB,2MiB", "tracking.split": ["none", "eager", "lazy"] },
  }, V);
  assert.equal(plan.points.length, 6);
  assert.deepEqual(plan.points.map((p) => p.axes), [
    { "iommu.pageSize": "4KiB", "tracking.split": "none" },
    { "iommu.pageSize": "4KiB", "tracking.split": "eager" },
    { "iommu.pageSize": "4KiB", "tracking.split": "lazy" },
    { "iommu.pageSize": "2MiB", "tracking.split": "none" },
    { "iommu.pageSize": "2MiB", "tracking.split": "eager" },
    { "iommu.pageSize": "2MiB", "tracking.split": "lazy" },
  ]);
  const p = plan.points[4];
  assert.equal(p.config.iommu.pageSize, 2 * 2 ** 20);
  assert.equal(p.config.tracking.split, "eager");
  assert.equal(p.config.guest.memory, 2 ** 30);
  assert.deepEqual(p.config, parseConfig(p.config), "the stored config is the effective one");
  assert.equal(p.runKey, await configHash(p.config, "test-1"));
  assert.deepEqual(plan.points.map((q) => q.index), [0, 1, 2, 3, 4, 5]);
});

Deno.test("zip moves axes together; repeat adds seeds from the base seed", async () => {
  const plan = await planSweep({
    axes: { "tracking.split": "none,lazy" },
    zip: [{ "iommu.pageSize": ["2MiB", "1GiB"], "tracking.splitTo": ["4KiB", "2MiB"] }],
    repeat: 3,
    base: { seed: 10 },
  }, V);
  assert.equal(plan.points.length, 2 * 2 * 3);
  assert.deepEqual(plan.points.slice(0, 4).map((p) => p.axes), [
    { "tracking.split": "none", "iommu.pageSize": "2MiB", "tracking.splitTo": "4KiB", seed: 10 },
    { "tracking.split": "none", "iommu.pageSize": "2MiB", "tracking.splitTo": "4KiB", seed: 11 },
    { "tracking.split": "none", "iommu.pageSize": "2MiB", "tracking.splitTo": "4KiB", seed: 12 },
    { "tracking.split": "none", "iommu.pageSize": "1GiB", "tracking.splitTo": "2MiB", seed: 10 },
  ]);
  const noBase = await planSweep({ repeat: 2 }, V);
  assert.deepEqual(noBase.points.map((p) => p.config.seed), [1, 2], "from the default seed");
});

Deno.test("points with equal effective configs run once", async () => {
  const plan = await planSweep({ axes: { "iommu.pageSize": ["4KiB", 4096, "2MiB"] } }, V);
  assert.equal(plan.points.length, 2);
  assert.equal(plan.duplicates, 1);
});

Deno.test("a bad axis value fails the whole sweep, naming the key, the value and a point", async () => {
  const msg = await problems({
    axes: { "iommu.pageSize": "4KiB,2MiB", "tracking.split": "none,eagre" },
  });
  assert.match(msg, /^2 of 4 sweep points are invalid/);
  assert.match(msg, /tracking\.split: "eagre" is not one of none, eager, lazy/);
  assert.match(msg, /at iommu\.pageSize="4KiB" tracking\.split="eagre" \(and 1 more\)/);
  const unit = await problems({ axes: { "iommu.pageSize": "4KiB,3MiB" } });
  assert.match(unit, /iommu\.pageSize: 3MiB is not a page size of vendor intel/);
});

Deno.test("unknown key, empty axis and malformed specs are refused before anything runs", async () => {
  assert.match(
    await problems({ axes: { "tracking.splt": "a,b" } }),
    /tracking: unknown key "splt" \(allowed: mode, split/,
  );
  assert.match(await problems({ axes: { "tracking.split": "" } }), /tracking\.split: empty axis/);
  assert.match(await problems({ axes: { "tracking.split": [] } }), /tracking\.split: empty axis/);
  assert.match(await problems({ axes: { seed: "range(5,5)" } }), /seed: empty axis/);
  assert.match(await problems({ axes: { seed: 3 } } as never), /seed: axis values must be a list/);
  assert.match(await problems({ axis: {} } as never), /unknown key "axis" in sweep spec/);
  assert.match(await problems([] as never), /must be an object/);
  assert.match(await problems({ axes: [] } as never), /axes: must be an object/);
  assert.match(await problems({ zip: {} } as never), /zip: must be a list/);
  assert.match(
    await problems({ zip: [{ seed: [1, 2], "tracking.split": ["none"] }] }),
    /zip\[0\]: axes that move together need equal lengths: seed has 2, tracking.split has 1/,
  );
  assert.match(await problems({ repeat: 0 }), /repeat: 0 is not a whole number >= 1/);
  assert.match(await problems({ repeat: 2, axes: { seed: "1,2" } }), /seed is already an axis/);
  assert.match(await problems({ axes: { "a..b": "1" } }), /is not a key path/);
  assert.match(
    await problems({ base: { tracking: "lazy" }, axes: { "tracking.split": "none" } }),
    /tracking is not an object/,
  );
});

Deno.test("a malformed range(…) and unbalanced brackets are named as such, not read as strings", () => {
  const refused = (text: string, message: RegExp) =>
    assert.throws(() => parseAxisText("seed", text), (e: unknown) => {
      assert.ok(e instanceof SweepSpecError, String(e));
      assert.match(e.message, message);
      return true;
    });
  refused("range(1,", /^seed: malformed range\(…\) in "range\(1,": expected range\(stop\)/);
  refused("range(1,6", /malformed range\(…\)/);
  refused("choice(a,b", /^seed: malformed choice\(…\) in "choice\(a,b"/);
  refused(
    "range(1,6))",
    /^seed: unbalanced brackets: "\)" at 10 closes nothing in "range\(1,6\)\)"/,
  );
  refused("[1,2,3", /^seed: unbalanced brackets: "\[" at 1 is never closed in "\[1,2,3"/);
  refused("1,2],3", /unbalanced brackets: "\]" at 4 closes nothing/);
  refused("[1,2},3", /unbalanced brackets: "}" at 5 does not close "\[" at 1/);
  refused('"a,b', /unterminated quote: " at 1 is never closed/);
  assert.deepEqual(parseAxisText("k", "[1,2],[3,4]"), [[1, 2], [3, 4]]);
  assert.deepEqual(parseAxisText("k", '"x,y",z'), ["x,y", "z"]);
});

Deno.test("spec from command-line words: axes in order, --zip groups, --repeat", () => {
  const spec = specFromArgs(
    ["iommu.pageSize=2MiB,1GiB", "tracking.splitTo=4KiB,2MiB", "tracking.split=lazy"],
    { zip: ["iommu.pageSize,tracking.splitTo"], repeat: 2, name: "x" },
  );
  assert.deepEqual(spec, {
    name: "x",
    axes: { "tracking.split": "lazy" },
    zip: [{ "iommu.pageSize": "2MiB,1GiB", "tracking.splitTo": "4KiB,2MiB" }],
    repeat: 2,
  });
  assert.throws(() => specFromArgs(["seed=1", "seed=2"]), /seed: given twice/);
  assert.throws(() => specFromArgs(["nonsense"]), /is not a key=value override/);
  assert.throws(() => specFromArgs(["seed=1"], { zip: ["seed,x"] }), /x is not an axis/);
});

Deno.test("spec files: JSON with a base path relative to it, TS default export, clear errors", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/base.json`, JSON.stringify({ guest: { memory: "1GiB" } }));
  await Deno.writeTextFile(
    `${dir}/spec.json`,
    JSON.stringify({ base: "base.json", axes: { seed: "range(1,3)" } }),
  );
  const plan = await planSweep(await readSpecFile(`${dir}/spec.json`), V);
  assert.deepEqual(plan.points.map((p) => [p.config.seed, p.config.guest.memory]), [
    [1, 2 ** 30],
    [2, 2 ** 30],
  ]);
  await Deno.writeTextFile(`${dir}/spec.ts`, `export default { axes: { seed: [4, 5] } };`);
  assert.deepEqual((await readSpecFile(`${dir}/spec.ts`)).axes, { seed: [4, 5] });
  await Deno.writeTextFile(`${dir}/bad.json`, `{ "axes": { "seed": [1, 2 }`);
  await assert.rejects(readSpecFile(`${dir}/bad.json`), /spec file .*bad\.json is not valid JSON/);
  await Deno.writeTextFile(`${dir}/list.json`, `[1]`);
  await assert.rejects(readSpecFile(`${dir}/list.json`), /must hold a JSON object/);
  await assert.rejects(readSpecFile(`${dir}/none.json`), /cannot read spec file/);
  await assert.rejects(
    planSweep({ base: `${dir}/none.json` }, V),
    /base: cannot read config file/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("planSpec inlines the base: planning it again gives the same points", async () => {
  const plan = await planSweep({
    name: "n",
    base: { guest: { memory: "1GiB" } },
    axes: { "tracking.split": "none,lazy" },
    zip: [{ "iommu.pageSize": ["2MiB", "1GiB"], "tracking.splitTo": ["4KiB", "2MiB"] }],
    repeat: 2,
  }, V);
  const again = await planSweep(JSON.parse(JSON.stringify(planSpec(plan))), V);
  assert.equal(again.planHash, plan.planHash);
  assert.deepEqual(again.points.map((p) => p.runKey), plan.points.map((p) => p.runKey));
  assert.equal(again.name, "n");
});
