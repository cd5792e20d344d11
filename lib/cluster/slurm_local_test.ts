// The local single-node Slurm's life cycle: start is idempotent, status tells
// the truth, stop leaves no daemon running (checked in /proc, where exited
// daemons linger as zombies), and stopping twice is harmless.
import assert from "node:assert/strict";
import { needTool } from "../testing/system.ts";
import { DAEMON_NAMES, processState, slurmLocal } from "./slurm_local.ts";

Deno.test("processState: this process runs, an unused pid is gone", () => {
  assert.equal(processState(Deno.pid), "running");
  assert.equal(processState(2 ** 22 + 1), "gone"); // above Linux's pid_max limit
});

Deno.test({
  name: "slurm-local: start twice, status, stop twice, no daemon left",
  ignore: !needTool("slurm"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "iommu-slurm-life-" });
    const pids: number[] = [];
    try {
      const first = await slurmLocal.start({ dir });
      pids.push(...Object.values(first.pids));
      assert.equal(first.slurmConf, `${dir}/slurm.conf`);
      const again = await slurmLocal.start({ dir });
      assert.deepEqual(again.pids, first.pids, "a second start reuses the running cluster");

      const up = await slurmLocal.status({ dir });
      assert.equal(up.state, "running");
      assert.match(up.node ?? "", /^(idle|mixed|allocated)$/);
      for (const d of DAEMON_NAMES) {
        assert.deepEqual(up.daemons[d], { pid: first.pids[d], state: "running" });
      }

      await slurmLocal.stop({ dir });
      const down = await slurmLocal.status({ dir });
      assert.equal(down.state, "stopped");
      for (const d of DAEMON_NAMES) assert.notEqual(down.daemons[d].state, "running");
      await slurmLocal.stop({ dir }); // idempotent
    } finally {
      await slurmLocal.stop({ dir });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    assert.equal(pids.length, 3);
    for (const pid of pids) {
      assert.notEqual(processState(pid), "running", `daemon ${pid} still runs`);
    }
  },
});
