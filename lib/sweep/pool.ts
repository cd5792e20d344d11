// Runs points on a pool of Web Workers, one point per worker at a time, and
// hands each outcome to a callback as it arrives. A worker that dies (an
// uncaught error, out of memory) fails only the point it held and is replaced;
// an engine that cannot be loaded stops the pool at once.

import type { RunConfig } from "../config/mod.ts";
import { EngineError } from "./engine.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

export interface PoolTask {
  id: number;
  config: RunConfig;
}

export type PoolResult = Extract<FromWorker, { type: "result" }>;

export interface PoolOptions {
  /** URL of the engine module the workers import. */
  engine: string;
  workers: number;
  signal?: AbortSignal;
  onResult: (r: PoolResult) => void;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/**
 * Resolves when every task has a result, or when the signal aborts (the
 * points in flight are then dropped, to run again next time).
 */
export function runPool(tasks: PoolTask[], options: PoolOptions): Promise<void> {
  const { engine, signal, onResult } = options;
  const count = Math.max(1, Math.min(options.workers, tasks.length));
  if (tasks.length === 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    let next = 0;
    let finished = 0;
    let settled = false;

    const end = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const w of live) w.terminate();
      live.clear();
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => end();
    signal?.addEventListener("abort", onAbort);

    const complete = (r: PoolResult) => {
      if (settled) return;
      finished++;
      onResult(r);
      if (finished === tasks.length) end();
    };

    const spawn = () => {
      if (settled) return;
      const w = new Worker(WORKER_URL, { type: "module" });
      live.add(w);
      let current: PoolTask | undefined;
      const feed = () => {
        if (settled) return;
        if (next >= tasks.length) {
          live.delete(w);
          w.terminate();
          return;
        }
        current = tasks[next++];
        w.postMessage({ type: "run", id: current.id, config: current.config } satisfies ToWorker);
      };
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === "ready") feed();
        else if (m.type === "init-error") end(new EngineError(m.error));
        else {
          current = undefined;
          complete(m);
          feed();
        }
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        const held = current;
        live.delete(w);
        w.terminate();
        if (settled) return;
        if (!held) return end(new EngineError(`a sweep worker failed to start: ${e.message}`));
        complete({
          type: "result",
          id: held.id,
          ok: false,
          wallMs: 0,
          error: `worker died: ${e.message}`,
        });
        if (next < tasks.length) spawn();
      };
      w.postMessage({ type: "init", engine } satisfies ToWorker);
    };
    for (let i = 0; i < count; i++) spawn();
  });
}
