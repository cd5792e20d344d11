// The README's headline numbers are pinned to the published Parquet: the
// folder it links exists, its sweep.json and figure name that same sweep, the
// sentence it quotes is the one the data gives, and its claims hold. After
// `deno task publish` (which rewrites the sentence) this passes again; a
// README edited by hand, or data republished without it, fails here.

import assert from "node:assert/strict";
import { join } from "node:path";
import { readParquetRows } from "../store/mod.ts";
import { headlineNumbers, headlineSentence, oneLine, readmePublishedIds } from "./headline.ts";
import { reproduce } from "./reproduce.ts";

const REPO = new URL("../../", import.meta.url).pathname;

async function published() {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const ids = readmePublishedIds(readme);
  assert.equal(ids.length, 1, `the README links one published sweep, not ${ids.join(", ")}`);
  return { readme, id: ids[0], dir: join(REPO, "data/published", ids[0]) };
}

Deno.test("README: the headline numbers are the published Parquet's", async () => {
  const { readme, id, dir } = await published();
  const sweep = JSON.parse(await Deno.readTextFile(join(dir, "sweep.json"))).sweep;
  assert.equal(sweep.id, id, "sweep.json is the sweep the README links");
  const svg = await Deno.readTextFile(join(dir, "frontier.svg"));
  const named = [
    ...new Set([...svg.matchAll(/sweep (\d{8}-\d{6}-[0-9a-f]{4})/g)].map((m) => m[1])),
  ];
  assert.deepEqual(named, [id], "frontier.svg's caption names exactly that sweep");
  const rows = await readParquetRows(join(dir, "runs.parquet"));
  assert.equal(rows.length, sweep.points);
  const numbers = headlineNumbers(rows);
  assert.deepEqual(numbers.broken, [], "the README's claims hold for the published data");
  const sentence = headlineSentence(numbers);
  assert.ok(
    oneLine(readme).includes(sentence),
    `README.md must say (run \`deno task publish\` to rewrite it):\n${sentence}`,
  );
});

Deno.test("README: the published headline reproduces (first runs, every metric)", async () => {
  const { dir } = await published();
  const r = await reproduce(dir, { limit: 2, workers: 2 });
  assert.equal(r.ok, true, JSON.stringify(r.mismatches));
});
