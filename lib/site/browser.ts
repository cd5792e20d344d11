// Headless Chromium (the system's /usr/bin/chromium, driven by playwright-core;
// playwright never downloads a browser here) for the site's browser test and
// the README's screenshot of the explorer. Pages are served from 127.0.0.1
// only; every request to another host is recorded, so a test can fail on it.

import { type Browser, chromium, type Page } from "playwright-core";
import { serveSite, type SiteServer } from "./serve.ts";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ExplorerSession {
  browser: Browser;
  page: Page;
  server: SiteServer;
  /** Console errors and page errors, hyparquet's deliberate ERR_ABORTED left out. */
  errors: string[];
  /** Requests to any host but the local server. */
  foreign: string[];
  close(): Promise<void>;
}

/** Serves `siteDir`, opens Chromium on it and records errors and foreign requests. */
export async function openSite(
  siteDir: string,
  viewport = { width: 1440, height: 1100 },
): Promise<ExplorerSession> {
  const server = serveSite(siteDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/ERR_ABORTED/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(why)) errors.push(`request failed: ${r.url()} ${why}`);
  });
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.hostname !== "127.0.0.1") foreign.push(r.url());
  });
  return {
    browser,
    page,
    server,
    errors,
    foreign,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until the explorer has drawn a chart (body[data-ready="true"]). */
export async function waitForChart(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(`document.body.dataset.ready === "true"`, null, {
    timeout: timeoutMs,
  });
}

/** Clicks the topmost data mark of the chart at its centre; returns false when none is. */
export async function clickTopMark(page: Page): Promise<boolean> {
  // Page code as text: this module is type-checked without the DOM library.
  const at = await page.evaluate(`(() => {
    const marks = [...document.querySelectorAll("#chart [data-row]")].reverse();
    for (const m of marks) {
      const b = m.getBoundingClientRect();
      const x = b.x + b.width / 2, y = b.y + b.height / 2;
      if (document.elementFromPoint(x, y) === m) return [x, y];
    }
    return null;
  })()`) as [number, number] | null;
  if (!at) return false;
  await page.mouse.move(at[0], at[1]);
  await page.mouse.click(at[0], at[1]);
  return true;
}

/** Opens the explorer of a built site, clicks a mark and saves a screenshot as PNG. */
export async function screenshotExplorer(siteDir: string, pngPath: string): Promise<number> {
  const s = await openSite(siteDir);
  try {
    await s.page.goto(`${s.server.url}explorer.html`);
    await waitForChart(s.page);
    await clickTopMark(s.page);
    await s.page.waitForFunction(`!!document.body.dataset.run`, null, { timeout: 10_000 });
    await s.page.click("#run-sql");
    await s.page.waitForFunction(`!!document.body.dataset.sqlRows`, null, { timeout: 10_000 });
    // A click on the chart's empty corner lets go of the sticky tip.
    const svg = await s.page.$("#chart [data-row] >> xpath=ancestor::*[local-name()='svg'][1]");
    const box = await svg?.boundingBox();
    if (box) await s.page.mouse.click(box.x + box.width - 4, box.y + 4);
    await s.page.mouse.move(5, 5);
    await s.page.screenshot({ path: pngPath, fullPage: false });
    return Number(await s.page.evaluate(`document.body.dataset.firstChartMs`));
  } finally {
    await s.close();
  }
}
