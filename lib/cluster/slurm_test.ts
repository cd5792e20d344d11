// Slurm array jobs against a real single-node Slurm (scripts/slurm-local), not
// a mock: submit, watch, read per-task results, cancel, and the errors a user
// sees. Parsing is also checked on output captured from Slurm 22.05.
import assert from "node:assert/strict";
import { needTool } from "../testing/system.ts";
import {
  arraySpec,
  arrayTasks,
  cancel,
  expandIds,
  jobState,
  parseScontrol,
  parseSqueue,
  SlurmError,
  submitArray,
  summarize,
  waitForJob,
} from "./slurm.ts";
import { processState, slurmLocal } from "./slurm_local.ts";

/** Waits up to `ms` for a process to end (a zombie has ended). */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (processState(pid) !== "running") return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return processState(pid) !== "running";
}

Deno.test("arraySpec: sizes, exact indices and the running limit", () => {
  assert.equal(arraySpec({ arraySize: 4 }), "0-3");
  assert.equal(arraySpec({ arraySize: 1 }), "0");
  assert.equal(arraySpec({ arraySize: 8, arrayLimit: 2 }), "0-7%2");
  assert.equal(arraySpec({ arrayIndices: [7, 1, 2, 3, 9, 10, 2] }), "1-3,7,9-10");
  assert.throws(() => arraySpec({ arraySize: 0 }), /arraySize 0/);
  assert.throws(() => arraySpec({ arraySize: 2, arrayIndices: [1] }), /exactly one/);
  assert.throws(() => arraySpec({ arrayIndices: [] }), /empty/);
  assert.throws(() => arraySpec({ arraySize: 3, arrayLimit: 0 }), /arrayLimit 0/);
});

Deno.test("expandIds: Slurm id lists", () => {
  assert.deepEqual(expandIds("2-5%2"), [2, 3, 4, 5]);
  assert.deepEqual(expandIds("1,3,7-9"), [1, 3, 7, 8, 9]);
  assert.deepEqual(expandIds("0-6:3"), [0, 3, 6]);
  assert.throws(() => expandIds("a-b"), /not a Slurm id list/);
});

Deno.test("parseSqueue: states, exit codes from wait statuses, overall state", () => {
  // squeue -h -r -t all -O ArrayTaskID:|,State:|,Reason:|,exit_code:|,NodeList:| (Slurm 22.05)
  const text = "4|PENDING|Resources|0||\n1|RUNNING|None|0|vm|\n0|COMPLETED|None|0|vm|\n" +
    "2|FAILED|NonZeroExitCode|768|vm|\n3|CANCELLED|None|15|vm|\n";
  const tasks = parseSqueue(text);
  assert.deepEqual(tasks.map((t) => t.taskId), [0, 1, 2, 3, 4]);
  assert.deepEqual(tasks[2], {
    taskId: 2,
    state: "FAILED",
    reason: "NonZeroExitCode",
    exitCode: 3,
    signal: 0,
    nodes: "vm",
  });
  assert.equal(tasks[3].signal, 15);
  assert.equal(tasks[4].exitCode, null, "no exit code while pending");
  const s = summarize("7", tasks);
  assert.equal(s.state, "RUNNING");
  assert.equal(s.active, true);
  assert.deepEqual(s.counts, { COMPLETED: 1, RUNNING: 1, FAILED: 1, CANCELLED: 1, PENDING: 1 });
  assert.equal(summarize("7", parseSqueue("0|PENDING|None|0||\n")).state, "PENDING");
  assert.equal(summarize("7", parseSqueue("0|COMPLETED|None|0|vm|\n")).state, "COMPLETED");
  assert.equal(
    summarize("7", tasks.filter((t) => t.taskId !== 1 && t.taskId !== 4)).state,
    "CANCELLED",
  );
  assert.equal(summarize("7", tasks.slice(0, 3).filter((t) => t.taskId !== 1)).state, "FAILED");
  assert.equal(summarize("7", []).state, "UNKNOWN");
});

Deno.test("parseScontrol: one record per task, pending ranges expanded", () => {
  const text = [
    "JobId=12 ArrayJobId=10 ArrayTaskId=2-3%2 ArrayTaskThrottle=2 JobName=job.sh JobState=PENDING " +
    "Reason=JobArrayTaskLimit ExitCode=0:0 NodeList=(null) StdOut=/w/slurm-10_%a.out",
    "JobId=11 ArrayJobId=10 ArrayTaskId=1 JobName=job.sh JobState=FAILED Reason=NonZeroExitCode " +
    "ExitCode=3:0 TRES=cpu=1,node=1 NodeList=vm StdErr=/w/slurm-10_1.out StdOut=/w/slurm-10_1.out",
    "",
  ].join("\n");
  const tasks = parseScontrol(text);
  assert.deepEqual(tasks.map((t) => [t.taskId, t.state]), [[1, "FAILED"], [2, "PENDING"], [
    3,
    "PENDING",
  ]]);
  assert.equal(tasks[0].exitCode, 3);
  assert.equal(tasks[0].stdout, "/w/slurm-10_1.out");
  assert.equal(tasks[0].taskJobId, "11");
  assert.equal(tasks[1].exitCode, null);
  assert.equal(tasks[1].nodes, "");
});

Deno.test("submitArray: clear errors before sbatch runs, and when sbatch is missing", async () => {
  const workdir = await Deno.makeTempDir({ prefix: "iommu-slurm-err-" });
  try {
    await assert.rejects(
      submitArray({ script: "/path/to/job.sh", arraySize: 2, workdir }),
      /starting with #!.*scriptFile/s,
    );
    await assert.rejects(
      submitArray({ script: "#!/bin/sh\n", arraySize: 2, workdir: `${workdir}/nope` }),
      /workdir .*nope is not a directory/,
    );
    // An empty PATH hides sbatch, as on a machine without Slurm's client commands.
    const err = await submitArray({
      script: "#!/bin/sh\n",
      arraySize: 2,
      workdir,
      env: { PATH: workdir },
    }).catch((e) => e);
    assert.ok(err instanceof SlurmError, String(err));
    assert.match(err.message, /sbatch not found on PATH.*slurm-local/s);
  } finally {
    await Deno.remove(workdir, { recursive: true });
  }
});

Deno.test({
  name: "slurm: array job, failures, sbatch errors and cancel on a real local Slurm",
  ignore: !needTool("slurm"),
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "iommu-slurm-test-" });
    const work = await Deno.makeTempDir({ prefix: "iommu-slurm-work-" });
    let pids: number[] = [];
    try {
      const cluster = await slurmLocal.start({ dir });
      pids = Object.values(cluster.pids);
      const slurmConf = cluster.slurmConf;

      await t.step("4 array tasks each write the file named by their task id", async () => {
        const out = `${work}/out`;
        await Deno.mkdir(out);
        const script = [
          "#!/bin/bash",
          "set -e",
          'echo "$SLURM_ARRAY_TASK_COUNT $GREETING" > "$OUT_DIR/$SLURM_ARRAY_TASK_ID"',
        ].join("\n");
        const jobId = await submitArray({
          script,
          arraySize: 4,
          arrayLimit: 2,
          workdir: work,
          env: { OUT_DIR: out, GREETING: "hello, node" },
          jobName: "iommu-test",
          slurmConf,
        });
        assert.match(jobId, /^\d+$/);
        const seen: string[] = [];
        const final = await waitForJob(jobId, {
          slurmConf,
          onProgress: (s) => seen.push(s.state),
          signal: AbortSignal.timeout(30_000),
        });
        assert.equal(final.state, "COMPLETED", JSON.stringify(final));
        assert.deepEqual(final.tasks.map((x) => [x.taskId, x.exitCode]), [[0, 0], [1, 0], [2, 0], [
          3,
          0,
        ]]);
        assert.ok(seen.length >= 1 && seen.at(-1) === "COMPLETED", seen.join(","));
        const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
        assert.deepEqual(files, ["0", "1", "2", "3"]);
        for (const f of files) {
          assert.equal(await Deno.readTextFile(`${out}/${f}`), "4 hello, node\n");
        }
        assert.equal((await jobState(jobId, { slurmConf })).state, "COMPLETED");
      });

      await t.step("a failing task is FAILED with its exit code and its log file", async () => {
        const jobId = await submitArray({
          script: '#!/bin/bash\necho "task $SLURM_ARRAY_TASK_ID says no" >&2\nexit 3\n',
          arrayIndices: [5],
          workdir: work,
          slurmConf,
        });
        const final = await waitForJob(jobId, { slurmConf, signal: AbortSignal.timeout(30_000) });
        assert.equal(final.state, "FAILED");
        const [task] = await arrayTasks(jobId, { slurmConf });
        assert.equal(task.taskId, 5);
        assert.equal(task.state, "FAILED");
        assert.equal(task.exitCode, 3);
        assert.equal(task.stdout, `${work}/slurm-${jobId}_5.out`);
        assert.match(await Deno.readTextFile(task.stdout!), /task 5 says no/);
      });

      await t.step("sbatch's refusal comes back with its stderr", async () => {
        const err = await submitArray({
          script: "#!/bin/sh\ntrue\n",
          arraySize: 2,
          partition: "no-such-partition",
          workdir: work,
          slurmConf,
        }).catch((e) => e);
        assert.ok(err instanceof SlurmError, String(err));
        assert.equal(err.command, "sbatch");
        assert.match(err.stderr, /invalid partition/i);
        assert.match(err.message, /sbatch failed \(exit \d+\):.*invalid partition/is);
      });

      await t.step("cancel ends a long job and its processes", async () => {
        const pidFile = `${work}/long.pid`;
        const jobId = await submitArray({
          script: `#!/bin/bash\necho $$ > ${pidFile}\nexec sleep 300\n`,
          arraySize: 1,
          time: "10:00",
          workdir: work,
          slurmConf,
        });
        // Wait until it runs, then abort the wait: cancelOnAbort scancels it.
        const ac = new AbortController();
        const waiting = waitForJob(jobId, {
          slurmConf,
          cancelOnAbort: true,
          signal: ac.signal,
          onProgress: (s) => {
            if (s.state === "RUNNING") ac.abort(new Error("seen running"));
          },
        });
        await assert.rejects(waiting, /seen running/);
        const final = await waitForJob(jobId, { slurmConf, signal: AbortSignal.timeout(30_000) });
        assert.equal(final.state, "CANCELLED");
        const pid = Number((await Deno.readTextFile(pidFile)).trim());
        assert.ok(await gone(pid, 5_000), `job process ${pid} survived scancel`);
        await cancel(jobId, { slurmConf }); // cancelling an ended job is not an error
      });
    } finally {
      const recorded = await slurmLocal.stop({ dir });
      pids.push(...Object.values(recorded).filter((p): p is number => p !== undefined));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
    assert.ok(pids.length >= 3, "the daemons' pids were recorded");
    for (const pid of pids) {
      assert.notEqual(processState(pid), "running", `daemon ${pid} still runs`);
    }
  },
});
