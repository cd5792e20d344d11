// `deno task sweep … --on slurm` against a real single-node Slurm, not a mock:
// the store equals a local run's; a point failing in its task is stored failed
// and a rerun submits only it; a task that dies is stored failed with its log;
// cancelling scancels and keeps what landed. Tasks run this Deno, not npx.

import assert from "node:assert/strict";
import { needTool } from "../testing/system.ts";
import { jobState, processState, slurmLocal } from "../cluster/mod.ts";
import { checkWritable, runOnSlurm, slurmProgressLine, SlurmRunError } from "./slurm_run.ts";
import { planFor, resolveEngine, specFromArgs, sweep } from "../sweep/mod.ts";
import { exportSweep, queryRows } from "../store/mod.ts";
import { SUMMARY_METRICS } from "../migration/mod.ts";
import { cli, comparable, FAKE_ENGINE, ROOT, tempDir } from "../testing/helpers.ts";

Deno.test("checkWritable: a clear error for a results directory that cannot be written", async () => {
  const dir = await tempDir("slurm-run-");
  try {
    await Deno.writeTextFile(`${dir}/a-file`, "");
    await checkWritable(`${dir}/shards`);
    assert.ok(Deno.statSync(`${dir}/shards/logs`).isDirectory);
    const err = await checkWritable(`${dir}/a-file/shards`).catch((e) => e);
    assert.ok(err instanceof SlurmRunError, String(err));
    assert.match(err.message, /results directory .*a-file\/shards is not writable/);
    assert.match(err.message, /filesystem the compute nodes share.*--out DIR/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slurmProgressLine: points from the files, tasks from squeue", () => {
  assert.equal(
    slurmProgressLine({
      jobId: "7",
      done: 5,
      total: 8,
      reused: 2,
      failed: 1,
      tasks: { COMPLETED: 3, PENDING: 2, RUNNING: 2 },
      elapsedMs: 3000,
      etaSec: 4,
    }),
    "slurm job 7: 5/8 points (2 stored before), 1 failed | " +
      "tasks: 2 pending, 2 running, 3 completed | ETA 4s",
  );
});

/** The real engine on tiny configs: 2 × 4 = 8 points. */
const REAL_AXES = [
  "guest.memory=64MiB",
  "workload.workingSet=8MiB",
  "migration.warmup=5",
  "iommu.pageSize=4KiB,2MiB",
  "tracking.split=none,lazy",
  "seed=1,2",
];

/** The fake engine, but a point fails while its seed is in SLURM_RUN_TEST_FAIL (passed to the tasks). */
const flakyEngine = (dir: string) => {
  const path = `${dir}/flaky_engine.ts`;
  Deno.writeTextFileSync(
    path,
    `import { simulate as fake } from ${JSON.stringify(FAKE_ENGINE)};
export { ENGINE_VERSION } from ${JSON.stringify(FAKE_ENGINE)};
export function simulate(input: { seed?: number }) {
  const fail = (Deno.env.get("SLURM_RUN_TEST_FAIL") ?? "").split(",").map(Number);
  if (fail.includes(input.seed ?? -1)) throw new Error(\`seed \${input.seed} fails in its array task\`);
  return fake(input);
}
`,
  );
  return path;
};

Deno.test({
  name:
    "sweep --on slurm on a real local Slurm: same store as a local run, failures, reruns, cancel",
  ignore: !needTool("slurm"),
  fn: async (t) => {
    const clusterDir = await Deno.makeTempDir({ prefix: "iommu-slurm-run-cluster-" });
    const dir = await tempDir("slurm-run-");
    let pids: number[] = [];
    try {
      const cluster = await slurmLocal.start({ dir: clusterDir });
      pids = Object.values(cluster.pids);
      const slurmConf = cluster.slurmConf;
      const common = { slurmConf, deno: Deno.execPath(), workdir: ROOT, progress: "none" as const };

      await t.step("8 real points via the CLI equal the same sweep run locally", async () => {
        const store = `${dir}/slurm.duckdb`;
        const args = [
          ...REAL_AXES,
          "--on",
          "slurm",
          "--store",
          store,
          "--out",
          `${dir}/real`,
          "--progress",
          "lines",
          "--progress-interval",
          "1",
        ];
        const env = { SLURM_CONF: slurmConf, DENO: Deno.execPath() };
        const r = await cli("sweep", args, env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /submitted slurm job \d+: 8 points in 8 array tasks/);
        assert.match(r.stderr, /slurm job \d+: \d\/8 points \| tasks: .*(pending|running)/);
        assert.match(r.stderr, /slurm job \d+: 8\/8 points \| tasks: 8 completed/);
        assert.match(
          r.stdout,
          /on slurm \(job \d+, COMPLETED\): 8 points, 8 submitted, 0 already stored, 8 ok, 0 failed/,
        );
        const script = await Deno.readTextFile(`${dir}/real/sweep.sbatch`);
        assert.match(script, /^#SBATCH --array=0-7$/m);
        assert.match(script, /--shard "\$SLURM_ARRAY_TASK_ID\/8"/);

        const local = await sweep(
          specFromArgs(REAL_AXES),
          { store: `${dir}/local.duckdb`, workers: 2, progress: "none" },
        );
        assert.equal(local.points, 8);
        assert.equal(local.failed, 0);
        const onSlurm = await comparable(store);
        assert.equal(onSlurm.runs.length, 8);
        assert.deepEqual(onSlurm, await comparable(`${dir}/local.duckdb`));
        const metrics = SUMMARY_METRICS.map((m) => `"${m}"`).join(", ");
        const summaries = async (s: string) =>
          (await queryRows(`SELECT run_key, ${metrics} FROM runs ORDER BY run_key`, { store: s }))
            .rows;
        assert.deepEqual(await summaries(store), await summaries(`${dir}/local.duckdb`));
        assert.deepEqual(
          (await summaries(store)).map((x) => x.run_key),
          local.plan.points.map((p) => p.runKey).sort(),
        );

        const again = await cli("sweep", args, env);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /all 8 points already stored .* nothing to submit/);
      });

      await t.step(
        "a point failing in its task is stored failed; the rerun submits only it",
        async () => {
          const engine = flakyEngine(dir);
          const spec = { axes: { "iommu.pageSize": ["4KiB", "2MiB"], seed: [1, 2, 3] } };
          const store = `${dir}/flaky.duckdb`;
          const outDir = `${dir}/flaky`;
          // Point 0 is in the store before the first submission (a local run).
          const local = await sweep({ axes: { "iommu.pageSize": ["4KiB"], seed: [1] } }, {
            store,
            engine,
            workers: 1,
            progress: "none",
          });
          assert.equal(local.ran, 1);
          const first = await runOnSlurm(spec, {
            ...common,
            store,
            outDir,
            engine,
            env: { SLURM_RUN_TEST_FAIL: "3" },
          });
          assert.equal(first.points, 6);
          assert.deepEqual(first.submitted, [1, 2, 3, 4, 5]);
          assert.equal(first.reused, 1);
          assert.equal(first.ok, 3);
          assert.equal(first.failed, 2);
          assert.equal(first.jobState, "FAILED", "a task with a failed point exits non-zero");
          const failedIdx = first.failures.map((f) => f.point).sort();
          for (const f of first.failures) {
            assert.equal(f.axes.seed, 3);
            assert.match(f.error, /seed 3 fails in its array task/);
          }
          const rows = (await queryRows(
            `SELECT status, error FROM runs WHERE status <> 'ok'`,
            { store },
          )).rows;
          assert.equal(rows.length, 2);
          for (const row of rows) {
            assert.match(row.error as string, /seed 3 fails in its array task/);
          }

          // The engine no longer fails: only the failed points go to Slurm, and they now pass.
          const rerun = await runOnSlurm(spec, { ...common, store, outDir, engine });
          assert.deepEqual(rerun.submitted, failedIdx);
          assert.deepEqual(rerun.taskIds, failedIdx, "array task id = point index");
          assert.equal(rerun.reused, 4);
          assert.equal(rerun.ok, 2);
          assert.equal(rerun.failed, 0);
          assert.equal(rerun.jobState, "COMPLETED");
          const st = (await queryRows(
            `SELECT count(*) FILTER (WHERE status = 'ok') AS ok, count(*) AS n FROM runs`,
            { store },
          )).rows[0];
          assert.deepEqual(st, { ok: 6, n: 6 });

          // The sweep is done and holds every point, the reused one too (the
          // manifests cover only the tasks submitted), and exports whole.
          const sweepRow = (await queryRows(
            `SELECT status, points, ran, reused, failed, ended_at IS NOT NULL AS ended, shard
             FROM sweeps WHERE id = '${rerun.sweepId}'`,
            { store },
          )).rows;
          assert.equal(sweepRow.length, 1);
          assert.deepEqual(
            { ...sweepRow[0], shard: undefined },
            {
              status: "done",
              points: 6,
              ran: 2,
              reused: 4,
              failed: 0,
              ended: true,
              shard: undefined,
            },
          );
          assert.match(sweepRow[0].shard as string, /^slurm job \d+: 2\/6 array tasks$/);
          const members = (await queryRows(
            `SELECT point, run_key FROM sweep_points WHERE sweep_id = '${rerun.sweepId}'
             ORDER BY point`,
            { store },
          )).rows;
          const plan = await planFor(spec, resolveEngine(engine));
          assert.deepEqual(
            members,
            plan.points.map((p) => ({ point: p.index, run_key: p.runKey })),
          );
          const exported = await exportSweep(rerun.sweepId, { store, outDir: `${dir}/published` });
          assert.equal(exported.runs, 6);
        },
      );

      await t.step("a task that dies without a result is stored failed with its log", async () => {
        const broken = `${dir}/broken-deno`;
        await Deno.writeTextFile(broken, "#!/bin/sh\necho 'deno: cannot start here' >&2\nexit 7\n");
        await Deno.chmod(broken, 0o755);
        const r = await runOnSlurm({ axes: { seed: [21, 22] } }, {
          ...common,
          deno: broken,
          store: `${dir}/broken.duckdb`,
          outDir: `${dir}/broken`,
          engine: FAKE_ENGINE,
        });
        assert.equal(r.failed, 2);
        for (const f of r.failures) {
          assert.match(
            f.error,
            /array task \d of job \d+ ended FAILED \(exit 7\) without writing a result.*cannot start here/s,
          );
        }
        const n = (await queryRows(`SELECT count(*) AS n FROM runs WHERE status = 'failed'`, {
          store: `${dir}/broken.duckdb`,
        })).rows[0].n;
        assert.equal(n, 2);
      });

      await t.step(
        "cancel: scancel, what landed is merged, the rerun submits the rest",
        async () => {
          // Seed 1 is quick; seeds 1000 + k sleep k ms in the fake engine.
          const spec = { axes: { seed: [1, 2, 8000, 8001] } };
          const store = `${dir}/cancel.duckdb`;
          const outDir = `${dir}/cancel`;
          const ac = new AbortController();
          let jobId = "";
          const r = await runOnSlurm(spec, {
            ...common,
            store,
            outDir,
            engine: FAKE_ENGINE,
            signal: ac.signal,
            onSubmit: (s) => jobId = s.jobId,
            progress: (p) => {
              if (p.done >= 2 && p.tasks.RUNNING) {
                ac.abort(new Error("Ctrl-C"));
              }
            },
          });
          assert.equal(r.interrupted, true);
          assert.equal(r.ok, 2);
          assert.equal(r.missing, 2);
          assert.equal(r.failed, 0);
          assert.equal(r.jobState, "CANCELLED");
          assert.equal((await jobState(jobId, { slurmConf })).active, false);
          const stored = (await queryRows(`SELECT count(*) AS n FROM runs WHERE status = 'ok'`, {
            store,
          })).rows[0].n;
          assert.equal(stored, 2);

          const ac2 = new AbortController();
          const rerun = await runOnSlurm(spec, {
            ...common,
            store,
            outDir,
            engine: FAKE_ENGINE,
            signal: ac2.signal,
            onSubmit: () => ac2.abort(new Error("seen the submission")),
          });
          assert.deepEqual(rerun.submitted, [2, 3]);
          assert.equal(rerun.reused, 2);
          assert.equal(rerun.interrupted, true);
        },
      );
    } finally {
      const recorded = await slurmLocal.stop({ dir: clusterDir });
      pids.push(...Object.values(recorded).filter((p): p is number => p !== undefined));
      await Deno.remove(clusterDir, { recursive: true }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    assert.ok(pids.length >= 3, "the daemons' pids were recorded");
    for (const pid of pids) {
      assert.notEqual(processState(pid), "running", `daemon ${pid} still runs`);
    }
  },
});
