// `deno task bench [filter...]`: runs every `lib/**/*_bench.ts` function named
// `bench…` or `…Bench` (no arguments, returning rows) and prints its rows; a
// filter keeps the functions whose file path or name contains it. A layer adds
// benchmarks by adding such a file. Rates are noisy on a shared machine:
// compare rows of one run (e.g. engine vs the C reference). A row with a
// `target` (the bound as written) is a target, shaped as targetRow makes them
// (a numeric `value`, its `unit`, `met` a boolean): the run ends with all of
// them together, measured value, target and met / not met.

const LIB = new URL("../lib/", import.meta.url);

type Row = Record<string, unknown>;
type BenchFn = () => Row[] | Promise<Row[]>;

async function benchFiles(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...await benchFiles(url));
    else if (e.name.endsWith("_bench.ts")) out.push(url);
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

const isBenchName = (n: string) => /^bench[A-Z0-9_]/.test(n) || /Bench$/.test(n);

function format(v: unknown): string {
  if (typeof v !== "number") return v === undefined ? "" : String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const abs = Math.abs(v);
  if (abs >= 1e4) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(abs >= 1 ? 4 : 3);
}

function printTable(rows: Row[]): void {
  if (rows.length === 0) return console.log("  (no rows)");
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => format(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (xs: string[]) =>
    "  " + xs.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join("  ");
  console.log(line(cols));
  for (const r of cells) console.log(line(r));
}

const filters = Deno.args;
let failed = 0;
const targets: Row[] = [];
for (const file of await benchFiles(LIB)) {
  const rel = file.pathname.slice(LIB.pathname.length - 4); // "lib/…"
  const mod = await import(file.href);
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== "function" || !isBenchName(name)) continue;
    const id = `${rel} ${name}`;
    if (filters.length && !filters.some((f) => id.includes(f))) continue;
    console.log(`\n== ${id}`);
    const t0 = performance.now();
    try {
      const rows = await (fn as BenchFn)();
      printTable(rows);
      for (const r of rows) {
        if (typeof r.target !== "string") continue;
        // Every bench's target rows have targetRow's shape (lib/iommu/iommu_bench.ts).
        if (
          typeof r.value !== "number" || typeof r.unit !== "string" || typeof r.met !== "boolean"
        ) {
          throw new Error(`target row "${r.name}" wants value (number), unit and met (boolean)`);
        }
        targets.push({
          target: r.name,
          measured: r.value,
          unit: r.unit,
          bound: r.target,
          met: r.met ? "met" : "NOT MET",
          bench: id,
        });
      }
    } catch (e) {
      failed++;
      console.log(`  FAILED: ${e instanceof Error ? e.message : e}`);
    }
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
if (targets.length) {
  const load = (() => {
    try {
      return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
    } catch {
      return "unknown";
    }
  })();
  console.log(`\n== targets (load average at the end: ${load})`);
  printTable(targets);
}
if (failed) Deno.exit(1);
