// The site's HTML: escaping, one page layout (header, navigation, footer) and
// the stylesheet every page shares, the explorer included. Static strings
// only: the pages need no script except the explorer's, so they read from
// any static host and from file://.

/** Escapes text for HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Prefixes the ids an SVG defines (and its references to them), so inline SVGs never clash. */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

export interface PageOptions {
  title: string;
  /** Path from the page to the site's root ("" or "../"). */
  root: string;
  body: string;
  /** Extra elements for <head> (the explorer's script). */
  head?: string;
  /** Which navigation entry is current. */
  current?: "index" | "explorer" | "notebook";
  /** A line under the footer's provenance (e.g. the build's commit). */
  footer?: string;
  bodyClass?: string;
}

/** A whole HTML page in the site's layout. */
export function page(o: PageOptions): string {
  const nav = (href: string, label: string, key: PageOptions["current"]) =>
    `<a href="${o.root}${href}"${o.current === key ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='6' fill='%232f5bd3'/%3E%3C/svg%3E">
<link rel="stylesheet" href="${o.root}style.css">
${o.head ?? ""}
</head>
<body${o.bodyClass ? ` class="${o.bodyClass}"` : ""}>
<header class="site-header">
  <a class="brand" href="${o.root}index.html">IOMMU dirty tracking <span>· live migration</span></a>
  <nav>${nav("index.html", "Results", "index")}${nav("explorer.html", "Explorer", "explorer")}</nav>
</header>
<main>
${o.body}
</main>
<footer class="site-footer">${o.footer ?? ""}</footer>
</body>
</html>
`;
}

/** A shell command as a copyable block. */
export function commandBlock(cmd: string, label = "reproduce"): string {
  return `<div class="cmd"><span class="cmd-label">${esc(label)}</span><code>${
    esc(cmd)
  }</code></div>`;
}

/** The stylesheet of every page. */
export const STYLE_CSS = `:root {
  --fg: #1d2433; --muted: #5b6578; --line: #dde2ea; --bg: #f6f7f9; --card: #fff;
  --accent: #2f5bd3; --accent-soft: #e8eefc; --warn: #a33a1d; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; font-size: 15px; line-height: 1.5; }
a { color: var(--accent); }
.site-header { display: flex; align-items: center; gap: 2rem; padding: 0.6rem 1.5rem;
  background: #182033; color: #fff; }
.site-header .brand { color: #fff; text-decoration: none; font-weight: 650; letter-spacing: 0.01em; }
.site-header .brand span { color: #9fb0d0; font-weight: 400; }
.site-header nav { display: flex; gap: 1.2rem; }
.site-header nav a { color: #c9d4ea; text-decoration: none; padding: 0.2rem 0; }
.site-header nav a[aria-current] { color: #fff; border-bottom: 2px solid #7ea2ff; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem; }
body.wide main { max-width: none; padding: 1rem 1.2rem; }
h1 { font-size: 1.7rem; margin: 0.4rem 0 0.6rem; line-height: 1.25; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
.lede { color: var(--muted); font-size: 1.05rem; max-width: 60rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem;
  margin: 1rem 0; }
figure.figure { margin: 1.2rem 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.8rem 1rem; overflow-x: auto; }
figure.figure > .svg { text-align: center; }
figure.figure svg { max-width: 100%; height: auto; }
figcaption.provenance { border-top: 1px solid var(--line); margin-top: 0.6rem; padding-top: 0.6rem;
  font-size: 0.85rem; color: var(--muted); }
.prov { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0 0 0.5rem; }
.prov dt { font-weight: 600; color: var(--fg); }
.prov dd { margin: 0; font-family: var(--mono); font-size: 0.8rem; overflow-wrap: anywhere; }
.cmd { display: flex; gap: 0.6rem; align-items: baseline; background: #0f1524; color: #e6ecf7;
  border-radius: 6px; padding: 0.45rem 0.7rem; margin: 0.3rem 0; overflow-x: auto; }
.cmd code { font-family: var(--mono); font-size: 0.8rem; white-space: pre; }
.cmd-label { font-size: 0.7rem; text-transform: uppercase; letter-spacing: 0.06em; color: #8ea3cc; flex: none; }
.links a { margin-right: 0.9rem; }
ul.analyses { list-style: none; padding: 0; margin: 0; }
ul.analyses li { padding: 0.55rem 0; border-bottom: 1px solid var(--line); }
ul.analyses li:last-child { border-bottom: none; }
ul.analyses .meta { color: var(--muted); font-size: 0.85rem; }
table.data { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.6rem; text-align: left; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
.output table { border-collapse: collapse; font-size: 0.85rem; }
.output th, .output td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.55rem; text-align: right; }
.output { overflow-x: auto; margin: 0.5rem 0; }
pre { background: #f0f2f6; border-radius: 6px; padding: 0.6rem 0.8rem; overflow-x: auto; font-size: 0.8rem;
  font-family: var(--mono); }
pre.stream { background: #fbfbfc; border: 1px solid var(--line); }
pre.error { background: #fdf0ec; color: var(--warn); }
details.code { margin: 0.4rem 0; }
details.code > summary { cursor: pointer; color: var(--muted); font-size: 0.8rem; user-select: none; }
details.code > summary:hover { color: var(--accent); }
.markdown img { max-width: 100%; }
.site-footer { color: var(--muted); font-size: 0.8rem; padding: 1.5rem; text-align: center; }
.site-footer code { font-family: var(--mono); }
.note { color: var(--muted); font-size: 0.9rem; }

/* The explorer */
.explorer { display: grid; grid-template-columns: 290px 1fr; gap: 1rem; align-items: start; }
.explorer aside { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 0.9rem;
  position: sticky; top: 0.8rem; max-height: calc(100vh - 1.6rem); overflow-y: auto; }
.explorer aside h3 { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.07em; color: var(--muted);
  margin: 0.9rem 0 0.35rem; }
.explorer aside h3:first-child { margin-top: 0; }
.field { display: grid; grid-template-columns: 4.2rem 1fr; align-items: center; gap: 0.4rem; margin: 0.3rem 0; }
.field label { font-size: 0.85rem; color: var(--muted); }
select, input, textarea, button { font: inherit; font-size: 0.85rem; }
select { width: 100%; max-width: 100%; padding: 0.2rem 0.3rem; border: 1px solid var(--line); border-radius: 5px; background: #fff; }
.checks { display: flex; gap: 0.9rem; font-size: 0.85rem; margin: 0.3rem 0; }
fieldset.filter { border: 1px solid var(--line); border-radius: 6px; margin: 0.35rem 0; padding: 0.3rem 0.55rem; }
fieldset.filter legend { font-size: 0.8rem; font-weight: 600; padding: 0 0.2rem; }
fieldset.filter label { display: inline-flex; gap: 0.25rem; align-items: center; font-size: 0.82rem;
  margin-right: 0.7rem; white-space: nowrap; }
.fixed { font-size: 0.78rem; color: var(--muted); }
.fixed code { font-family: var(--mono); }
.chart-card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 1rem; }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
.chart-head h1 { font-size: 1.2rem; margin: 0; }
.chart-head .status { color: var(--muted); font-size: 0.85rem; }
#chart { min-height: 420px; overflow-x: auto; }
#chart svg [data-row] { cursor: pointer; }
#chart svg [data-row]:hover { stroke: #000; stroke-width: 2; }
#chart svg [data-row].selected { stroke: #000; stroke-width: 2.5; }
.panels { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-top: 1rem; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 1rem; min-width: 0; }
.panel h2 { font-size: 1rem; margin: 0 0 0.5rem; }
.panel pre { max-height: 340px; }
textarea#sql { width: 100%; min-height: 8.5rem; font-family: var(--mono); font-size: 0.8rem; border: 1px solid var(--line);
  border-radius: 6px; padding: 0.5rem; resize: vertical; }
.row { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin: 0.4rem 0; }
button { background: var(--accent); color: #fff; border: 0; border-radius: 5px; padding: 0.3rem 0.9rem; cursor: pointer; }
button.secondary { background: var(--accent-soft); color: var(--accent); }
#sql-result { max-height: 360px; overflow: auto; }
#sql-result table { border-collapse: collapse; font-size: 0.78rem; }
#sql-result th { position: sticky; top: 0; background: #f0f2f6; }
#sql-result th, #sql-result td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.5rem; white-space: nowrap; }
.err { color: var(--warn); font-size: 0.85rem; white-space: pre-wrap; }
.muted { color: var(--muted); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 0.8rem; font-size: 0.85rem; margin-bottom: 0.5rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; font-family: var(--mono); font-size: 0.8rem; overflow-wrap: anywhere; }
.seeds button { padding: 0.1rem 0.5rem; margin: 0 0.2rem 0.2rem 0; }
@media (max-width: 900px) { .explorer, .panels { grid-template-columns: 1fr; } .explorer aside { position: static; max-height: none; } }
`;
