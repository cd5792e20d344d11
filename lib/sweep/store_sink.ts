// The store as a sweep's sink: points held are the run keys stored ok, the
// sweep's row and points go to sweeps and sweep_points, results to runs and
// rounds (one transaction a batch). Only this process writes the file. A
// local sweep holds the store open throughout; a sweep on a cluster opens it
// per step, so the store can be read while the job waits in the queue.

import { Store } from "../store/mod.ts";
import { sweepPoints, type SweepSink } from "./runner.ts";

export interface StoreSink extends SweepSink {
  readonly path: string;
  close(): void;
}

export interface StoreSinkOptions {
  /** Keep the store open from now until close (default true); false opens it per call. */
  hold?: boolean;
}

/** A sink writing to the store file at `path` (opened now when held). */
export async function storeSink(path: string, options: StoreSinkOptions = {}): Promise<StoreSink> {
  const held = options.hold ?? true ? await Store.open(path) : null;
  const use = async <T>(f: (s: Store) => Promise<T>): Promise<T> => {
    if (held) return await f(held);
    const s = await Store.open(path);
    try {
      return await f(s);
    } finally {
      s.close();
    }
  };
  return {
    path,
    held: (points) =>
      use(async (s) => {
        const ok = await s.okKeys();
        return new Set(points.filter((p) => ok.has(p.runKey)).map((p) => p.runKey));
      }),
    begin: (row, points) =>
      use(async (s) => {
        await s.putSweep(row);
        await s.putSweepPoints(row.id, sweepPoints(points));
      }),
    write: (records) => use((s) => s.writeRuns(records)),
    end: (row) => use((s) => s.putSweep(row)),
    close: () => held?.close(),
  };
}
