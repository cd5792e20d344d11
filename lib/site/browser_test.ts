// The site in a real browser: build it on a tiny sweep, open the explorer in
// headless Chromium, and check what a reader does: the default chart has one
// mark per configuration, it follows an axis and a filter, SQL runs and gives
// the numbers the native store gives for the same string, a click shows the
// run. Any console error (but hyparquet's deliberate ERR_ABORTED) or request
// to a host other than 127.0.0.1 fails the test. Needs Chromium (see
// lib/testing/system.ts): skipped loudly without it, a failure under CI=true.

import assert from "node:assert/strict";
import { join } from "node:path";
import { needTool } from "../testing/system.ts";
import { NAMED_QUERIES } from "../queries/mod.ts";
import { Store } from "../sweep/mod.ts";
import { engineSourceVersion } from "../migration/mod.ts";
import { tinySite } from "./testdata.ts";
import { clickTopMark, openSite, waitForChart } from "./browser.ts";

const hasChromium = needTool("chromium");

Deno.test({
  name: "site: the explorer in headless Chromium (chart, axis, filter, SQL, run panel, offline)",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { dir, store, out, sweep: s } = await tinySite();

    // What the native store says for the same SQL strings.
    const native = await Store.open(store, { readOnly: true });
    const frontier = (await native.read(NAMED_QUERIES.frontier.sql)).rows;
    const convergence = (await native.read(NAMED_QUERIES.convergence.sql)).rows;
    native.close();
    assert.equal(frontier.length, 6);

    const session = await openSite(out);
    const { page } = session;
    try {
      const t0 = performance.now();
      await page.goto(`${session.server.url}explorer.html`);
      await waitForChart(page);
      const firstChartMs = Number(await page.evaluate(`document.body.dataset.firstChartMs`));
      const load = Deno.loadavg()[0].toFixed(2);
      console.log(
        `explorer: first chart ${firstChartMs} ms after navigation ` +
          `(test-side ${Math.round(performance.now() - t0)} ms; load average ${load})`,
      );
      // Page code is text: this module is type-checked without the DOM library.
      const marks = async () => Number(await page.evaluate(`document.body.dataset.marks`));
      assert.equal(await marks(), frontier.length, "one mark per configuration");

      // An axis: y becomes the downtime; the chart and its label follow.
      const drawn = () =>
        page.evaluate(`document.querySelector("#chart [data-row]")?.ownerSVGElement?.outerHTML`);
      const before = await drawn();
      await page.selectOption("#y", "downtimeMs");
      await waitForChart(page);
      const yLabel = String(
        await page.evaluate(
          `document.querySelector('#chart [aria-label="y-axis label"]')?.textContent ?? ""`,
        ),
      );
      assert.match(yLabel, /downtime/);
      assert.notEqual(await drawn(), before);
      assert.equal(await marks(), frontier.length);

      // A filter: without split "none" a third of the configurations remain out.
      await page.click('fieldset[data-column="tracking_split"] input[value="\\"none\\""]');
      await waitForChart(page);
      await page.waitForFunction(`document.body.dataset.marks === "4"`);
      assert.equal(await marks(), 4);

      // SQL: a named query gives the rows the native store gives.
      await page.selectOption("#named", "convergence");
      await page.click("#run-sql");
      await page.waitForFunction(`!!document.body.dataset.sqlRows`);
      assert.equal(
        await page.evaluate(`document.body.dataset.sqlRows`),
        String(convergence.length),
      );
      await page.fill(
        "#sql",
        `SELECT iommu_pageSize, tracking_split, bytesTransferred FROM (${NAMED_QUERIES.frontier.sql})`,
      );
      await page.evaluate(`delete document.body.dataset.sqlRows`);
      await page.click("#run-sql");
      await page.waitForFunction(`!!document.body.dataset.sqlRows`);
      assert.equal(await page.evaluate(`document.body.dataset.sqlRows`), "6");
      const firstCell = String(
        await page.evaluate(
          `document.querySelector("#sql-result tbody tr td:nth-child(3)")?.textContent`,
        ),
      );
      assert.ok(firstCell.includes("MiB"), `bytes shown in binary units: ${firstCell}`);

      // A click on a mark shows that run: key, engine, config and the rerun command.
      assert.ok(await clickTopMark(page), "a mark to click");
      await page.waitForFunction(`!!document.body.dataset.run`);
      const run = await page.evaluate(`({
        key: document.getElementById("run-key")?.textContent,
        engine: document.getElementById("run-engine")?.textContent,
        command: document.getElementById("run-command")?.textContent,
        config: document.getElementById("run-config")?.textContent,
      })`) as Record<string, string>;
      const keys = frontier.flatMap((r) => String(r.run_keys).split(","));
      assert.ok(keys.includes(run.key!), `run key ${run.key} is one of the sweep's`);
      assert.equal(run.engine, await engineSourceVersion());
      assert.match(run.command!, /^npx -y deno@2\.9\.6 task sim --config <\(echo '\{/);
      assert.equal(JSON.parse(run.config!).guest.memory, 64 * 2 ** 20);

      await page.screenshot({ path: join(dir, "explorer.png") });
      assert.deepEqual(session.errors, [], "no console errors");
      assert.deepEqual(session.foreign, [], "no request to another host");
      // The pages without script work too: the index links the explorer and the data.
      await page.goto(`${session.server.url}index.html`);
      assert.ok(await page.$('a[href="explorer.html"]'));
      assert.ok(await page.$(`a[href="data/${s.sweepId}/runs.parquet"]`));
      assert.deepEqual(session.errors, []);
    } finally {
      await session.close();
    }
    await Deno.remove(dir, { recursive: true });
  },
});
