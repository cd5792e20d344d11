// `deno run -A scripts/make_trace.ts [dir]`: writes the SYNTHETIC sample trace
// (lib/workload/sample_trace.ts: one NIC queue pair, Poisson arrivals, IMIX
// frame sizes) as data/traces/nic_queue.csv and data/traces/nic_queue.parquet.
// The same rows in both files; a test checks that they replay identically and
// that this script would write the same CSV again.
import { makeNicTrace } from "../lib/workload/sample_trace.ts";
import { writeTraceCsv, writeTraceParquet } from "../lib/workload/trace_write.ts";

const dir = Deno.args[0] ?? "data/traces";
const rows = makeNicTrace();
await Deno.mkdir(dir, { recursive: true });
await writeTraceCsv(rows, `${dir}/nic_queue.csv`);
await writeTraceParquet(rows, `${dir}/nic_queue.parquet`);
console.log(`wrote ${rows.time.length} rows to ${dir}/nic_queue.csv and ${dir}/nic_queue.parquet`);
