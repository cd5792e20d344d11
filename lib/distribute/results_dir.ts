// The results directory an array job's tasks share: one run file per point
// (lib/store's format, written under a temporary name and renamed, so a
// half-written file is never merged), named by run key, `.failed` for a point
// that threw so a rerun retries it; and a manifest per task (the sweep's row
// with that task's provenance, and its points). A task's sink writes them.

import {
  RunFileWriter,
  StoreError,
  type SweepPoint,
  type SweepRow,
  writeTextAtomic,
} from "../store/mod.ts";
import { sweepPoints, type SweepSink } from "../sweep/mod.ts";

/** What a task leaves beside its points: the sweep's row and the task's points. */
export interface ShardManifest {
  sweep: SweepRow;
  points: SweepPoint[];
}

/** The manifest of task `index` of `count`. */
export const manifestName = (s: { index: number; count: number }) =>
  `shard-${s.index}-of-${s.count}.json`;

export const isManifestName = (name: string) => /^shard-\d+-of-\d+\.json$/.test(name);

/** A point's file; a failed point's name differs, so a rerun of the shard retries it. */
export const pointFileName = (runKey: string, status: "ok" | "failed" = "ok") =>
  status === "ok" ? `${runKey}.parquet` : `${runKey}.failed.parquet`;

/** A complete run file (not one still being written under its temporary name). */
export const isPointFileName = (name: string) => name.endsWith(".parquet") && !name.startsWith(".");

/** The names of the files in `dir` (none when it is not there yet). */
export function fileNames(dir: string): Set<string> {
  const names = new Set<string>();
  try {
    for (const e of Deno.readDirSync(dir)) if (e.isFile) names.add(e.name);
  } catch { /* not there yet */ }
  return names;
}

/** The manifests in `dir`; one that cannot be read is a StoreError naming it. */
export async function readManifests(
  dir: string,
  names: Iterable<string>,
): Promise<ShardManifest[]> {
  const out: ShardManifest[] = [];
  for (const n of [...names].filter(isManifestName).sort()) {
    try {
      out.push(JSON.parse(await Deno.readTextFile(`${dir}/${n}`)));
    } catch (e) {
      throw new StoreError(`${dir}/${n} is not a shard manifest: ${(e as Error).message}`, "io", e);
    }
  }
  return out;
}

export interface ResultsDirSink extends SweepSink {
  close(): void;
}

/**
 * A task's sink: points held are those with an ok file in `outDir`; the row
 * and points go to the task's manifest (`manifest`, a file name); each
 * result to its own run file. No store is touched.
 */
export async function resultsDirSink(outDir: string, manifest: string): Promise<ResultsDirSink> {
  await Deno.mkdir(outDir, { recursive: true });
  const manifestPath = `${outDir}/${manifest}`;
  const writer = await RunFileWriter.open();
  let points: SweepPoint[] = [];
  const writeManifest = (sweep: SweepRow) =>
    writeTextAtomic(
      manifestPath,
      JSON.stringify({ sweep, points } satisfies ShardManifest, null, 1),
    );
  return {
    held: (ps) => {
      const present = fileNames(outDir);
      return Promise.resolve(
        new Set(ps.filter((p) => present.has(pointFileName(p.runKey))).map((p) => p.runKey)),
      );
    },
    begin: async (row, ps) => {
      points = sweepPoints(ps);
      await writeManifest(row);
    },
    write: async (records) => {
      for (const r of records) {
        await writer.write(r, `${outDir}/${pointFileName(r.runKey, r.status)}`);
      }
    },
    end: (row) => writeManifest(row),
    close: () => writer.close(),
  };
}
