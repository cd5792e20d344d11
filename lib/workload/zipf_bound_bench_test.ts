import assert from "node:assert/strict";
import { zipfAliasTable } from "./zipf_bound_bench.ts";

Deno.test("the bench's alias table draws Zipf: each page's implied probability is its rank's", () => {
  const pages = 1024, s = 0.99;
  const table = zipfAliasTable(pages, s);
  const implied = new Float64Array(pages);
  for (let p = 0; p < pages; p++) {
    const keep = (table[2 * p] + 1) / 2 ** 32; // a draw b keeps p when b < threshold
    implied[p] += Math.min(keep, 1) / pages;
    implied[table[2 * p + 1]] += Math.max(1 - keep, 0) / pages;
  }
  let h = 0;
  for (let r = pages; r >= 1; r--) h += Math.pow(r, -s);
  for (let r = 1; r <= pages; r++) {
    const page = Math.imul(r - 1, 0x9e3779b1) & (pages - 1);
    const want = Math.pow(r, -s) / h;
    assert(Math.abs(implied[page] - want) < 1e-9, `rank ${r}: ${implied[page]} vs ${want}`);
  }
});
