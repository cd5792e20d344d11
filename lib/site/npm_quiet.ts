// apache-arrow 17.0.0 (what duckdb-wasm 1.32.0 requires, for the site's
// explorer) names a bin file its npm package lacks, so Deno warns "Trying to
// set up 'arrow2csv' bin" at the start of every run until the file exists.
// Entry points call quietArrowBin() first: it gives the checkout's own
// node_modules copy an empty file (never the shared cache), so only the very
// first command of a fresh clone can print the warning. No npm imports here.

const REPO = new URL("../../", import.meta.url).pathname;

/** Creates node_modules/apache-arrow/bin/arrow2csv.cjs where it is missing. */
export function quietArrowBin(): void {
  try {
    const bin = Deno.realPathSync(`${REPO}node_modules/apache-arrow/bin`);
    if (!bin.startsWith(`${REPO}node_modules`)) return;
    const file = `${bin}/arrow2csv.cjs`;
    try {
      Deno.statSync(file);
    } catch {
      Deno.writeTextFileSync(file, "");
    }
  } catch { /* apache-arrow not installed (yet): nothing to quiet */ }
}
