import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { createBatch, createWorkload, loadTrace, tracePeriodNs, WorkloadError } from "./mod.ts";
import { makeNicTrace, type TraceRows, traceRowsToCsv } from "./sample_trace.ts";
import { writeTraceParquet } from "./trace_write.ts";
import { take } from "./test_util.ts";
import type { WorkloadGenerator } from "./types.ts";

const SAMPLE_CSV = "data/traces/nic_queue.csv";
const SAMPLE_PARQUET = "data/traces/nic_queue.parquet";
const GiB = 2 ** 30;

async function traceGen(
  path: string,
  opts: { loop?: boolean; memory?: number; baseDir?: string } = {},
): Promise<WorkloadGenerator> {
  const c = parseConfig({ workload: { kind: "trace", path, loop: opts.loop ?? false } });
  return await createWorkload(c.workload, {
    seed: 1,
    guestMemory: opts.memory ?? 4 * GiB,
    baseDir: opts.baseDir,
  });
}

/** Every operation of a non-looping trace. */
function all(g: WorkloadGenerator, capacity = 1000) {
  const batch = createBatch(capacity, { time: true });
  const out = {
    time: [] as number[],
    iova: [] as number[],
    length: [] as number[],
    write: [] as number[],
  };
  let n;
  while ((n = g.fill(batch, Infinity)) > 0) {
    out.time.push(...batch.timeNs!.subarray(0, n));
    out.iova.push(...batch.iova.subarray(0, n));
    out.length.push(...batch.length.subarray(0, n));
    out.write.push(...batch.write.subarray(0, n));
  }
  return out;
}

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "trace_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sample trace: CSV and Parquet replay the same operations, exactly the generated rows", async () => {
  const rows = makeNicTrace();
  const csv = all(await traceGen(SAMPLE_CSV));
  const parquet = all(await traceGen(SAMPLE_PARQUET), 97);
  assert.equal(csv.time.length, 1750);
  assert.deepEqual(csv, parquet);
  assert.deepEqual(csv, rows);
});

Deno.test("sample trace: scripts/make_trace.ts would write the committed CSV again", async () => {
  assert.equal(await Deno.readTextFile(SAMPLE_CSV), traceRowsToCsv(makeNicTrace()));
});

Deno.test("replay: rows come back at their own times, in any column order, with true/false and hex", async () => {
  await withTemp(async (dir) => {
    const path = `${dir}/t.csv`;
    await Deno.writeTextFile(
      path,
      "write,length,iova,time,note\n" +
        "true,64,0x1000,0,rx\n" +
        "0,4096,8192,10.5,\n" +
        "\n" +
        "FALSE,1,4095,10.5,tie\n" +
        '"1",8192,12288,2500,quoted\n',
    );
    const ops = all(await traceGen(path));
    assert.deepEqual(ops, {
      time: [0, 10.5, 10.5, 2500],
      iova: [0x1000, 8192, 4095, 12288],
      length: [64, 4096, 1, 8192],
      write: [1, 0, 0, 1],
    });
  });
});

Deno.test("replay: fill stops before untilNs and at the capacity; nowNs is the next row's time", async () => {
  const g = await traceGen(SAMPLE_CSV);
  const rows = makeNicTrace();
  const batch = createBatch(10, { time: true });
  assert.equal(g.nowNs, rows.time[0]);
  assert.equal(g.fill(batch, rows.time[0]), 0); // strictly before untilNs
  const until = rows.time[25];
  const due = rows.time.filter((t) => t < until).length;
  let got = 0, n;
  while ((n = g.fill(batch, until)) > 0) got += n;
  assert.equal(got, due);
  assert.equal(g.nowNs, rows.time[due]);
  assert.equal(g.issued, due);
});

Deno.test("loop: repetition j is shifted by j × (span + mean gap); without loop the trace ends", async () => {
  const rows = makeNicTrace();
  const n = rows.time.length;
  const span = rows.time[n - 1] - rows.time[0];
  const period = span + span / (n - 1);
  const g = await traceGen(SAMPLE_CSV, { loop: true });
  const ops = take(g, 3 * n + 5, 333);
  for (let j = 0; j < 3; j++) {
    for (let i = 0; i < n; i++) {
      const k = j * n + i;
      assert.equal(ops.timeNs[k], rows.time[i] + j * period);
      assert.equal(ops.iova[k], rows.iova[i]);
      assert.equal(ops.write[k], rows.write[i]);
    }
  }
  // take() drew whole batches: the generator is at operation g.issued.
  const next = g.issued;
  assert.equal(g.nowNs, rows.time[next % n] + Math.floor(next / n) * period);

  const once = await traceGen(SAMPLE_CSV, { loop: false });
  assert.equal(all(once).time.length, n);
  assert.equal(once.fill(createBatch(4), Infinity), 0);
  assert.equal(once.nowNs, Infinity);
  assert.ok(
    Math.abs(tracePeriodNs(await loadTrace(SAMPLE_CSV, { guestMemory: GiB }))! - period) < 1e-6,
  );
});

Deno.test("ranges: the hull of the trace's accesses", async () => {
  const rows = makeNicTrace();
  const g = await traceGen(SAMPLE_CSV);
  const start = Math.min(...rows.iova);
  const end = Math.max(...rows.iova.map((a, i) => a + rows.length[i]));
  assert.deepEqual(g.ranges, [{ start, end }]);
  assert.ok(end <= 128 * 2 ** 20);
});

Deno.test("a missing trace file is a WorkloadError naming the path", async () => {
  await assert.rejects(
    traceGen("data/traces/no_such_trace.csv"),
    (e: Error) =>
      e instanceof WorkloadError &&
      e.message === 'workload.path: trace file "data/traces/no_such_trace.csv" not found',
  );
  await assert.rejects(
    traceGen("nope.parquet", { baseDir: "/tmp/does-not-exist" }),
    /workload\.path: trace file "nope\.parquet" \(\/tmp\/does-not-exist\/nope\.parquet\) not found/,
  );
  await assert.rejects(traceGen("data/traces"), /is a directory/);
});

Deno.test("a relative trace path is read from baseDir", async () => {
  const g = await traceGen("traces/nic_queue.csv", { baseDir: "data" });
  assert.equal(all(g).time.length, 1750);
});

Deno.test("malformed CSV rows are errors naming the file, the row, the line and the column", async () => {
  await withTemp(async (dir) => {
    const cases: [string, RegExp][] = [
      [
        "time,iova,length,write\n0,4096,64,1\n5,abc,64,1\n",
        /t\.csv: row 2 \(line 3\), column iova: "abc" is not an address >= 0 \(decimal bytes, or hex with 0x/,
      ],
      [
        "time,iova,length,write\n0,4096,64,1\n5,-4096,64,1\n",
        /row 2 \(line 3\), column iova: "-4096" is not an address/,
      ],
      [
        "time,iova,length,write\n0,4096,64,1\n5,1000,64,1\n5,0x10g0,64,1\n",
        /row 3 \(line 4\), column iova: "0x10g0" is not an address/,
      ],
      // Bare hex digits are hex only when the header says so.
      ["time,addr,length,write\n0,ff00,64,1\n", /row 1 \(line 2\), column addr: "ff00"/],
      [
        "time,iova,length,write\n0,4096,64,yes\n",
        /row 1 \(line 2\), column write: "yes" is not a direction \(write: 1, true, W, write; read: 0, false, R, read\)/,
      ],
      ["time,iova,length,op\n0,4096,64,X\n", /row 1 \(line 2\), column op: "X" is not a direction/],
      [
        "time,iova,length,write\n0,4096,0,1\n",
        /row 1 \(line 2\), column length: "0" is not a byte count/,
      ],
      [
        "time,iova,size,write\n0,4096,,1\n",
        /row 1 \(line 2\), column size: empty is not a byte count/,
      ],
      [
        "time,iova,length,write\n0,4096,64,1\n-1,0,64,1\n",
        /row 2 \(line 3\), column time: "-1" is not a time >= 0 \(a number of ns, or with a unit/,
      ],
      [
        "time_us,iova,length,write\n0,4096,64,1\n1.5x,0,64,1\n",
        /row 2 \(line 3\), column time_us: "1.5x" is not a time >= 0 \(a number of us/,
      ],
      [
        "ts,iova,length,write\n0,4096,64,1\n3 days,0,64,1\n",
        /row 2 \(line 3\), column ts: "3 days"/,
      ],
      [
        "time,iova,length,write\n100,4096,64,1\n\n50,0,64,1\n",
        /row 2 \(line 4\), column time: 50 ns is before the previous row's 100 ns \(rows must be in time order\)/,
      ],
      [
        "time (us),iova,length,write\n1,4096,64,1\n0.5,0,64,1\n",
        /row 2 \(line 3\), column time \(us\): 500 ns is before the previous row's 1000 ns/,
      ],
      ["time,iova,length,write\n0,4096,64\n", /row 1 \(line 2\): 3 fields, the header has 4/],
      [
        "time,where,length,write\n0,0,1,1\n",
        /missing column iova \(has: time, where, length, write; accepted: iova as iova\/address\/addr\/dma_addr/,
      ],
      ["time_kb,iova,length,write\n0,0,1,1\n", /missing column time /],
      [
        "time_ms,iova_ms,length,write\n0,0,1,1\n",
        /t\.csv: column iova_ms: unit "ms" does not apply to iova \(allowed: hex\)/,
      ],
      ["time,iova,length,write\n", /t\.csv: the trace has no rows/],
      ["", /empty trace file/],
      [
        "time,iova,length,write\n0,0,64,1\n1,1073741800,64,1\n",
        /row 2 \(line 3\): iova 0x3fffffe8 \+ length 64 is outside guest memory \[0, 1GiB\)/,
      ],
    ];
    for (const [text, message] of cases) {
      await Deno.writeTextFile(`${dir}/t.csv`, text);
      await assert.rejects(
        traceGen(`${dir}/t.csv`, { memory: GiB }),
        (e: Error) => e instanceof WorkloadError && message.test(e.message),
        `${JSON.stringify(text)} should fail with ${message}`,
      );
    }
  });
});

Deno.test("spellings: ns or µs times, hex or decimal addresses, R/W or read/write give the same trace", async () => {
  const want = {
    time: [0, 1118, 1182.5, 2000000],
    iova: [0x1000, 0x5bd7000, 16777216, 0xfff000],
    length: [64, 54, 16, 4096],
    write: [1, 0, 1, 0],
  };
  const spellings: [string, string][] = [
    [
      "canonical",
      "time,iova,length,write\n0,4096,64,1\n1118,96301056,54,0\n" +
      "1182.5,16777216,16,1\n2000000,16773120,4096,0\n",
    ],
    [
      "µs in the header, hex, R/W",
      "time_us,address,len,op\n0,0x1000,64,W\n1.118,0x5BD7000,54,R\n" +
      "1.1825,0x1000000,16,w\n2000,0xfff000,4096,r\n",
    ],
    [
      "(µs) header, read/write",
      "Timestamp (µs),IOVA,Bytes,Direction\n0,4096,64,write\n" +
      "1.118,96301056,54,read\n1.1825,16777216,16,WRITE\n2e3,16773120,4096,Read\n",
    ],
    [
      "units in the cells",
      "time,addr_hex,size,rw\n0ns,1000,64,W\n1.118us,5bd7000,54,R\n" +
      "1.1825μs,1000000,16,wr\n2ms,fff000,0x1000,rd\n",
    ],
    [
      "[ns] header, true/false",
      "t [ns],dma_addr,length,is_write\n0,4096,64,true\n" +
      "1118,96301056,54,false\n1182.5,16777216,16,TRUE\n2000000,16773120,4096,0\n",
    ],
  ];
  await withTemp(async (dir) => {
    for (const [name, text] of spellings) {
      await Deno.writeTextFile(`${dir}/s.csv`, text);
      assert.deepEqual(all(await traceGen(`${dir}/s.csv`)), want, name);
    }
    // The header and unit each column was read from.
    await Deno.writeTextFile(`${dir}/s.csv`, spellings[2][1]);
    const t = await loadTrace(`${dir}/s.csv`, { guestMemory: GiB });
    assert.deepEqual(t.columns, {
      time: { header: "Timestamp (µs)", unit: "µs" },
      iova: { header: "IOVA", unit: "" },
      length: { header: "Bytes", unit: "" },
      write: { header: "Direction", unit: "" },
    });
    // A preferred spelling wins over a later one: `time` is read, `ts` ignored.
    await Deno.writeTextFile(`${dir}/both.csv`, "ts,time,iova,length,write\n9,1,0,64,1\n");
    assert.deepEqual(all(await traceGen(`${dir}/both.csv`)).time, [1]);

    // Parquet with typed columns: a µs DOUBLE time, a VARCHAR op, `addr`.
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT * FROM (VALUES (0.0::DOUBLE, 4096::BIGINT, 64, 'W'), ` +
        `(1.118, 96301056, 54, 'R'), (1.1825, 16777216, 16, 'W'), (2000, 16773120, 4096, 'R')) ` +
        `t(time_us, addr, size, op)) TO '${dir}/s.parquet' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    assert.deepEqual(all(await traceGen(`${dir}/s.parquet`)), want);
  });
});

Deno.test("Parquet: rows with bad values are errors naming the row; a non-Parquet file too", async () => {
  await withTemp(async (dir) => {
    const rows: TraceRows = {
      time: [0, 10, 20],
      iova: [0, 4096, 2 * GiB],
      length: [64, 64, 64],
      write: [1, 0, 1],
    };
    await writeTraceParquet(rows, `${dir}/big.parquet`);
    await assert.rejects(
      traceGen(`${dir}/big.parquet`, { memory: GiB }),
      /big\.parquet: row 3: iova 0x80000000 \+ length 64 is outside guest memory \[0, 1GiB\)/,
    );
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT * FROM (VALUES (0::BIGINT, 0::BIGINT, 64, true), (5, NULL, 64, false)) ` +
        `t(time, iova, length, write)) TO '${dir}/null.parquet' (FORMAT parquet)`,
    );
    await conn.run(
      `COPY (SELECT 0::BIGINT AS time, 0::BIGINT AS place, 64 AS length, 1 AS write) ` +
        `TO '${dir}/cols.parquet' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    await assert.rejects(
      traceGen(`${dir}/null.parquet`),
      /null\.parquet: row 2, column iova: empty is not an address/,
    );
    await assert.rejects(traceGen(`${dir}/cols.parquet`), /cols\.parquet: missing column iova/);
    await Deno.writeTextFile(`${dir}/fake.parquet`, "time,iova,length,write\n");
    await assert.rejects(
      traceGen(`${dir}/fake.parquet`),
      /fake\.parquet: not a readable Parquet file/,
    );
    await Deno.writeTextFile(`${dir}/t.txt`, "time,iova,length,write\n");
    await assert.rejects(traceGen(`${dir}/t.txt`), /is neither CSV \(\.csv\) nor Parquet/);
  });
});

Deno.test("a trace whose rows share one time cannot loop", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/one.csv`, "time,iova,length,write\n7,0,64,1\n");
    await assert.rejects(
      traceGen(`${dir}/one.csv`, { loop: true }),
      /cannot loop a trace whose rows all have the same time/,
    );
    assert.equal(all(await traceGen(`${dir}/one.csv`)).time.length, 1);
  });
});
