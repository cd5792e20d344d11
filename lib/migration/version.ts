// The engine's version as run keys use it: a release name plus a hash of the
// engine's own sources (units, hw, config, iommu, workload, tracking, cost,
// migration), tests, benchmarks, test utilities and test data excluded. Any
// change to them changes every run key, so a stored result is never reused
// for an engine that would compute it differently; no number to forget.

import { sha256Hex } from "../config/canonical.ts";
import { ENGINE_VERSION } from "./types.ts";

const LIB = new URL("../", import.meta.url);

/**
 * The lib/ folders whose sources are the engine, bottom layer first: a
 * folder imports only from folders before it (lib/layers_test.ts holds it).
 */
export const ENGINE_SOURCE_DIRS = [
  "units",
  "hw",
  "config",
  "iommu",
  "workload",
  "tracking",
  "cost",
  "migration",
];

/** Whether a file (path relative to lib/) is engine source rather than a test's or a benchmark's. */
export function isEngineSource(rel: string): boolean {
  const parts = rel.split("/");
  const name = parts[parts.length - 1];
  return name.endsWith(".ts") &&
    !/_(test|bench)\.ts$/.test(name) &&
    !/^test_utils?\.ts$/.test(name) &&
    !parts.slice(0, -1).some((d) => d === "testdata" || d === "testing");
}

async function sources(dir: URL, rel: string, out: [string, URL][]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) await sources(url, `${rel}${e.name}/`, out);
    else if (isEngineSource(`${rel}${e.name}`)) out.push([`${rel}${e.name}`, url]);
  }
}

/** The engine's source files, relative to lib/, sorted: what the version hashes. */
export async function engineSourceFiles(): Promise<string[]> {
  const files: [string, URL][] = [];
  for (const d of ENGINE_SOURCE_DIRS) await sources(new URL(`${d}/`, LIB), `${d}/`, files);
  return files.map(([rel]) => rel).sort();
}

let cached: Promise<string> | undefined;

/** "0.1.0+src.<12 hex digits>": the release and the hash of the engine sources. */
export function engineSourceVersion(): Promise<string> {
  cached ??= (async () => {
    let text = "";
    for (const rel of await engineSourceFiles()) {
      text += `${rel}\0${await Deno.readTextFile(new URL(rel, LIB))}\0`;
    }
    return `${ENGINE_VERSION}+src.${(await sha256Hex(text)).slice(0, 12)}`;
  })();
  return cached;
}
