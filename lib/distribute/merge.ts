// Merging what an array job's tasks left in a results directory into the
// store: their run files (deduplicated by run key: a stored ok run is kept, a
// failed one gives way to an ok one) and the sweep their manifests describe,
// the union of its tasks. `ingestDir` also takes an exported sweep.

import {
  DEFAULT_STORE,
  importSweep,
  type IngestOptions,
  type IngestResult,
  ingestRunFiles,
  isExportedSweep,
  Store,
  StoreError,
  type SweepRow,
} from "../store/mod.ts";
import { fileNames, isPointFileName, readManifests, type ShardManifest } from "./results_dir.ts";

/** The sweep rows and points that a set of shard manifests describe. */
export function sweepsFromManifests(manifests: ShardManifest[]): ShardManifest[] {
  const bySweep = new Map<string, ShardManifest[]>();
  for (const m of manifests) {
    const list = bySweep.get(m.sweep.id) ?? [];
    list.push(m);
    bySweep.set(m.sweep.id, list);
  }
  return [...bySweep.values()].map((list) => {
    const first = list[0].sweep;
    const count = Number(first.shard?.split("/")[1] ?? list.length);
    const seen = new Set(list.map((m) => m.sweep.shard));
    const allDone = seen.size === count && list.every((m) => m.sweep.status === "done");
    const ends = list.map((m) => m.sweep.ended_at);
    const sweep: SweepRow = {
      ...first,
      status: allDone ? "done" : "partial",
      host: [...new Set(list.map((m) => m.sweep.host))].join(","),
      started_at: list.map((m) => m.sweep.started_at).sort()[0],
      ended_at: allDone && ends.every((e) => e) ? (ends as string[]).sort().at(-1)! : null,
      ran: list.reduce((s, m) => s + m.sweep.ran, 0),
      reused: list.reduce((s, m) => s + m.sweep.reused, 0),
      failed: list.reduce((s, m) => s + m.sweep.failed, 0),
      workers: Math.max(...list.map((m) => m.sweep.workers ?? 1)),
      shard: `${seen.size}/${count} shards`,
    };
    const points = new Map<number, ShardManifest["points"][number]>();
    for (const m of list) for (const p of m.points) points.set(p.point, p);
    return { sweep, points: [...points.values()].sort((a, b) => a.point - b.point) };
  });
}

export interface MergeOptions extends IngestOptions {
  /** Sweeps whose row and points the caller writes itself (runOnSlurm): only their runs merge. */
  keepSweeps?: readonly string[];
}

/**
 * Ingests the run files shards wrote to `dir` (one per point) and their
 * manifests into the store. Files still being written (temporary names) are
 * ignored; running merge again later takes what has arrived since.
 */
export async function mergeShards(dir: string, options: MergeOptions = {}): Promise<IngestResult> {
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();
  } catch (e) {
    throw new StoreError(`cannot read ${dir}: ${(e as Error).message}`, "missing", e);
  }
  const files = names.filter(isPointFileName).map((n) => `${dir}/${n}`);
  const manifests = await readManifests(dir, names);
  if (files.length === 0 && manifests.length === 0) {
    throw new StoreError(`${dir} holds no shard results (*.parquet, shard-*-of-*.json)`, "missing");
  }
  const store = await Store.open(options.store ?? DEFAULT_STORE);
  try {
    const result = await ingestRunFiles(store, files, options.force ?? false);
    const sweeps = sweepsFromManifests(manifests);
    for (const { sweep, points } of sweeps) {
      if (options.keepSweeps?.includes(sweep.id)) continue;
      // A sweep recorded done with all its points is not replaced by the
      // union of the manifests at hand, which may cover only some tasks.
      const stored = await store.read(`SELECT status FROM sweeps WHERE id = $1`, [sweep.id]);
      if (stored.rows[0]?.status === "done" && sweep.status !== "done") continue;
      await store.putSweep(sweep);
      await store.putSweepPoints(sweep.id, points);
    }
    return { ...result, sweeps: sweeps.map((s) => s.sweep.id) };
  } finally {
    store.close();
  }
}

/** Ingests a directory: an exported sweep (runs.parquet) or shard output. */
export async function ingestDir(dir: string, options: IngestOptions = {}): Promise<IngestResult> {
  return (await isExportedSweep(dir))
    ? await importSweep(dir, options)
    : await mergeShards(dir, options);
}

/** Whether `dir` holds any complete run file. */
export function anyPointFile(dir: string): boolean {
  for (const n of fileNames(dir)) if (isPointFileName(n)) return true;
  return false;
}
