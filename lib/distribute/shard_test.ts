// Shards: the index from --shard or an array job's environment; three shard
// processes merged equal one process; a rerun retries only failed points;
// merge prefers ok runs; export and import round-trip; the emitted sbatch
// script and Kubernetes Job run the same sweep.

import assert from "node:assert/strict";
import { parseShard, shardFromEnv, shardPoints } from "./shard.ts";
import { mergeShards } from "./merge.ts";
import { exportSweep, importSweep, queryRows } from "../store/mod.ts";
import { sweep } from "../sweep/mod.ts";
import { cli, comparable, FAKE_ENGINE, integrity, ROOT, tempDir } from "../testing/helpers.ts";

Deno.test("shard from --shard i/n or an array job's environment", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.throws(() => parseShard("3/3"), /expected i\/n with 0 <= i < n/);
  assert.throws(() => parseShard("1"), /expected i\/n/);
  assert.equal(shardFromEnv({}), undefined);
  assert.deepEqual(
    shardFromEnv({ SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "5" }),
    { index: 4, count: 5 },
  );
  assert.deepEqual(
    shardFromEnv({
      SLURM_ARRAY_TASK_ID: "5",
      SLURM_ARRAY_TASK_MIN: "1",
      SLURM_ARRAY_TASK_STEP: "2",
      SLURM_ARRAY_TASK_COUNT: "3",
    }),
    { index: 2, count: 3 },
    "--array=1-5:2",
  );
  assert.deepEqual(
    shardFromEnv({ JOB_COMPLETION_INDEX: "0", SWEEP_SHARD_COUNT: "2" }),
    { index: 0, count: 2 },
  );
  assert.deepEqual(
    shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: "7", SWEEP_SHARD_COUNT: "8" }),
    { index: 7, count: 8 },
  );
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "1" }), /set SWEEP_SHARD_COUNT/);
  assert.throws(
    () => shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: "3", SWEEP_SHARD_COUNT: "3" }),
    /task 3 of 3 is out of range/,
  );
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "x" }), /is not a whole number/);
  const points = Array.from({ length: 7 }, (_, index) => ({ index }));
  assert.deepEqual(shardPoints(points, { index: 1, count: 3 }).map((p) => p.index), [1, 4]);
});

const AXES = [
  "iommu.pageSize=4KiB,2MiB,1GiB",
  "tracking.split=none,eager,lazy",
  "tracking.clearBatch=1,round",
  "seed=12,13",
];

Deno.test("a sweep run as 3 shards in separate processes, merged, equals the single-process run", async () => {
  const dir = await tempDir();
  const out = `${dir}/shards`;
  const runs = await Promise.all([0, 1, 2].map((i) =>
    cli("sweep", [
      ...AXES,
      "--engine",
      FAKE_ENGINE,
      "--out",
      out,
      "--progress",
      "none",
      "--workers",
      "1",
      ...(i === 2 ? [] : ["--shard", `${i}/3`]),
    ], i === 2 ? { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3" } : {})
  ));
  for (const r of runs) {
    // Seed 13 fails on purpose: exit code 1, the rest stored.
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /shard \d\/3 of sh-[0-9a-f]{12}: 12 points, 12 run, 0 done before, 6 failed/,
    );
  }
  const names = [...Deno.readDirSync(out)].map((e) => e.name);
  assert.equal(names.filter((n) => n.endsWith(".failed.parquet")).length, 18);
  assert.equal(names.filter((n) => /^[0-9a-f]{16}\.parquet$/.test(n)).length, 18);
  assert.equal(names.filter((n) => n.startsWith("shard-")).length, 3);
  // A file still being written is never merged.
  await Deno.writeTextFile(`${out}/.0123456789abcdef.parquet.tmp`, "half a file");

  const merged = `${dir}/merged.duckdb`;
  const m = await cli("merge", [out, "--store", merged]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /36 runs added, 0 replaced, 0 already stored \(sweep sh-/);

  const single = `${dir}/single.duckdb`;
  const s = await cli("sweep", [...AXES, "--engine", FAKE_ENGINE, "--store", single]);
  assert.equal(s.code, 1, s.stderr);
  assert.deepEqual(await comparable(merged), await comparable(single));

  const sw = await queryRows(
    `SELECT id, status, points, ran, failed, shard,
       (SELECT count(*) FROM sweep_points p WHERE p.sweep_id = s.id) AS members FROM sweeps s`,
    { store: merged },
  );
  assert.deepEqual(
    sw.rows.map((r) => [r.status, r.points, r.ran, r.failed, r.shard, r.members]),
    [["done", 36, 36, 18, "3/3 shards", 36]],
  );

  // Merging again adds nothing: deduplicated by run key.
  const again = await mergeShards(out, { store: merged });
  assert.deepEqual([again.added, again.replaced, again.skipped], [0, 0, 36]);
  const { runs: n, keys } = await integrity(merged);
  assert.deepEqual([n, keys], [36, 36]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a shard run again skips the points it wrote and retries its failed ones", async () => {
  const dir = await tempDir();
  const out = `${dir}/out`;
  const args = ["seed=12,13,14,15", "--engine", FAKE_ENGINE, "--out", out, "--progress", "none"];
  const first = await cli("sweep", [...args, "--shard", "0/1"]);
  assert.equal(first.code, 1);
  assert.match(first.stdout, /4 points, 4 run, 0 done before, 2 failed/);
  const second = await cli("sweep", [...args]);
  assert.match(second.stdout, /shard 0\/1 .* 4 points, 2 run, 2 done before, 2 failed/);
  const store = `${dir}/s.duckdb`;
  const m = await mergeShards(out, { store });
  assert.equal(m.added, 4);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("merge prefers an ok run over a stored failed one, and keeps a stored ok run", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  const out = `${dir}/out`;
  // The store has seed 13 failed; a shard directory says the same point is ok
  // (a file made by hand from the store's row, as another engine build might).
  await sweep({ axes: { seed: "12,13" } }, { store, engine: FAKE_ENGINE, progress: "none" });
  await cli("sweep", ["seed=12,13", "--engine", FAKE_ENGINE, "--out", out, "--progress", "none"]);
  const failed = [...Deno.readDirSync(out)].find((e) => e.name.endsWith(".failed.parquet"))!.name;
  const key = failed.slice(0, 16);
  const fix = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { Store } from "./lib/store/mod.ts";
       const s = await Store.open(":memory:");
       await s.run("COPY (SELECT * REPLACE ('ok' AS status, NULL AS error, 1.0::DOUBLE AS bytesTransferred) FROM read_parquet('${out}/${failed}')) TO '${out}/${key}.parquet' (FORMAT parquet)");
       s.close();`,
    ],
    cwd: ROOT,
  }).outputSync();
  assert.ok(fix.success, new TextDecoder().decode(fix.stderr));
  const m = await mergeShards(out, { store });
  assert.deepEqual([m.added, m.replaced, m.skipped], [0, 1, 1]);
  const rows = await queryRows(`SELECT seed, status, bytesTransferred FROM runs ORDER BY seed`, {
    store,
  });
  assert.deepEqual(rows.rows.map((r) => [r.seed, r.status]), [[12, "ok"], [13, "ok"]]);
  assert.equal(rows.rows[1].bytesTransferred, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("merge: a directory that is not there is bad usage (exit 2), and no store is made", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  const r = await cli("merge", [`${dir}/nonexistent`, "--store", store]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^merge: .*\/nonexistent: no such directory/);
  await Deno.writeTextFile(`${dir}/a-file`, "");
  const f = await cli("merge", [`${dir}/a-file`, "--store", store]);
  assert.equal(f.code, 2, f.stderr);
  assert.match(f.stderr, /a-file is not a directory/);
  await assert.rejects(Deno.stat(store), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("export writes Parquet (runs, rounds) and provenance; import reads it back", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  const r = await sweep({
    name: "pub",
    axes: { seed: "range(1,6)", "tracking.split": "none,lazy" },
  }, {
    store,
    engine: FAKE_ENGINE,
    progress: "none",
  });
  const e = await cli("export", ["pub", "--store", store, "--out", `${dir}/published`]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, new RegExp(`sweep ${r.sweepId}: 10 runs, \\d+ rounds`));
  const ex = await exportSweep(r.sweepId.slice(0, 17), { store, outDir: `${dir}/published` });
  assert.deepEqual(ex.files.map((f) => f.split("/").at(-1)), [
    "runs.parquet",
    "rounds.parquet",
    "sweep.json",
  ]);
  assert.deepEqual(
    [...Deno.readDirSync(ex.dir)].map((x) => x.name).sort(),
    ["rounds.parquet", "runs.parquet", "sweep.json"],
    "no temporary file left",
  );
  const fresh = `${dir}/fresh.duckdb`;
  const imp = await cli("merge", [ex.dir, "--store", fresh]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /10 runs added/);
  assert.deepEqual(await comparable(fresh), await comparable(store));
  const sw = await queryRows(`SELECT id, name, points FROM sweeps`, { store: fresh });
  assert.deepEqual(sw.rows, [{ id: r.sweepId, name: "pub", points: 10 }]);
  const again = await importSweep(ex.dir, { store: fresh });
  assert.deepEqual([again.added, again.skipped], [0, 10]);

  const missing = await cli("export", ["nope", "--store", store, "--out", `${dir}/published`]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no sweep nope in/);
  await Deno.remove(dir, { recursive: true });
});

/** `deno task sweep AXES --emit KIND --shards N --out DIR` on the fake engine. */
const emit = (kind: string, shards: number, out: string, ...more: string[]) =>
  cli("sweep", [
    ...AXES,
    ...["--engine", FAKE_ENGINE, "--emit", kind, "--shards", String(shards), "--out", out],
    ...more,
  ]);

Deno.test("--emit slurm writes an sbatch array script that runs the shards from the submit directory", async () => {
  const dir = await tempDir();
  const out = `${dir}/job`;
  const e = await emit("slurm", 3, out, "--json");
  assert.equal(e.code, 0, e.stderr);
  const emitted = JSON.parse(e.stdout);
  assert.equal(emitted.shards, 3);
  const script = await Deno.readTextFile(emitted.jobPath);
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /#SBATCH --array=0-2\n/);
  assert.match(script, /cd "\$\{SLURM_SUBMIT_DIR:-\.\}"/);
  assert.match(script, /npx -y deno@2\.9\.6/);
  assert.match(script, new RegExp(`#SBATCH --output=${out}/logs/%A_%a.out`));
  // What Slurm would do: run the script once per task, from the submit directory.
  await Promise.all([0, 1, 2].map(async (i) => {
    const r = await new Deno.Command("bash", {
      args: [emitted.jobPath],
      cwd: dir,
      env: {
        SLURM_SUBMIT_DIR: ROOT,
        SLURM_ARRAY_TASK_ID: String(i),
        SLURM_ARRAY_TASK_COUNT: "3",
        DENO: Deno.execPath(),
        NO_COLOR: "1",
      },
    }).output();
    assert.equal(r.code, 1, new TextDecoder().decode(r.stderr)); // seed 13 fails
  }));
  const merged = `${dir}/merged.duckdb`;
  await mergeShards(out, { store: merged });
  const single = `${dir}/single.duckdb`;
  await cli("sweep", [...AXES, "--engine", FAKE_ENGINE, "--store", single]);
  assert.deepEqual(await comparable(merged), await comparable(single));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--emit k8s writes an Indexed Job manifest for the same spec", async () => {
  const dir = await tempDir();
  const out = `${dir}/job`;
  const e = await emit("k8s", 4, out);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /submit: kubectl apply -f .*job\.yaml/);
  const yaml = await Deno.readTextFile(`${out}/job.yaml`);
  assert.match(yaml, /^apiVersion: "batch\/v1"$/m);
  assert.match(yaml, /^kind: "Job"$/m);
  assert.match(yaml, /^ {2}completionMode: "Indexed"$/m);
  assert.match(yaml, /^ {2}completions: 4$/m);
  assert.match(yaml, /- name: "SWEEP_SHARD_COUNT"\n\s+value: "4"/);
  assert.match(yaml, /- "sweep"\n\s+- ".*\/job\/spec\.json"\n\s+- "--out"/);
  assert.match(yaml, /- "--engine"\n\s+- "file:\/\/.*fake_engine\.ts"/);
  const spec = JSON.parse(await Deno.readTextFile(`${out}/spec.json`));
  assert.deepEqual(Object.keys(spec.axes), [
    "iommu.pageSize",
    "tracking.split",
    "tracking.clearBatch",
    "seed",
  ]);
  await Deno.remove(dir, { recursive: true });
});
