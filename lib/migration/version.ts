// The engine's version as run keys use it: a release name plus a hash of the
// engine's own sources (config, iommu, tracking, workload, migration; tests
// and benchmarks excluded). Any change to them changes every run key, so a
// stored result is never reused for an engine that would compute it
// differently — no hand-kept version number to forget.

import { sha256Hex } from "../config/canonical.ts";
import { ENGINE_VERSION } from "./types.ts";

const LIB = new URL("../", import.meta.url);
export const ENGINE_SOURCE_DIRS = ["config", "iommu", "tracking", "workload", "migration"];

async function sources(dir: URL, rel: string, out: [string, URL][]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) await sources(url, `${rel}${e.name}/`, out);
    else if (e.name.endsWith(".ts") && !/_(test|bench)\.ts$/.test(e.name)) {
      out.push([`${rel}${e.name}`, url]);
    }
  }
}

let cached: Promise<string> | undefined;

/** "0.1.0+src.<12 hex digits>": the release and the hash of the engine sources. */
export function engineSourceVersion(): Promise<string> {
  cached ??= (async () => {
    const files: [string, URL][] = [];
    for (const d of ENGINE_SOURCE_DIRS) await sources(new URL(`${d}/`, LIB), `${d}/`, files);
    files.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    let text = "";
    for (const [rel, url] of files) text += `${rel}\0${await Deno.readTextFile(url)}\0`;
    return `${ENGINE_VERSION}+src.${(await sha256Hex(text)).slice(0, 12)}`;
  })();
  return cached;
}
