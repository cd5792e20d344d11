// Runs points on a pool of Web Workers and hands each outcome to a callback as
// it arrives. Workers can be started before the points are known (loading the
// engine then overlaps the caller's set-up), and a worker is sent its next
// point when it reports the last one: a point sent ahead would wait behind a
// long one that cannot be interrupted (simulate() never yields) while another
// worker idles, which cost the demo's sweep 0.5 s of 7.5 s; the round trip
// costs well under a millisecond a point. A worker that dies (an uncaught
// error, out of memory) fails only the point it was running and is replaced;
// an engine that cannot be loaded stops the pool.

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

/** Points a worker holds at most: the one it runs. */
const DEPTH = 1;

/** Workers started ahead of their points; `run` once, or `close` if nothing is to run. */
export interface Pool {
  /**
   * Resolves when every task has a result, or when the signal aborts (the
   * points in flight are then dropped, to run again next time). The workers
   * end with it.
   */
  run(
    tasks: PoolTask[],
    options: { signal?: AbortSignal; onResult: (r: PoolResult) => void },
  ): Promise<void>;
  close(): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Tasks sent, in the order the worker runs them. */
  held: PoolTask[];
}

/** Starts `workers` workers that load `engine` now; their points come with run(). */
export function startPool(engine: string, workers: number): Pool {
  const slots = new Set<Slot>();
  /** Results arrived and not yet handed on. */
  const results: PoolResult[] = [];
  let initError: EngineError | undefined;
  let onChange: (() => void) | null = null; // run()'s scheduler, once running
  let onDeath: ((s: Slot, message: string) => void) | null = null;

  const spawn = (): Slot => {
    const slot: Slot = {
      worker: new Worker(WORKER_URL, { type: "module" }),
      ready: false,
      held: [],
    };
    slots.add(slot);
    slot.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === "ready") {
        slot.ready = true;
        onChange?.();
      } else if (m.type === "init-error") {
        initError ??= new EngineError(m.error);
        onChange?.();
      } else {
        const i = slot.held.findIndex((t) => t.id === m.id);
        if (i >= 0) slot.held.splice(i, 1);
        results.push(m);
        onChange?.();
      }
    };
    slot.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      slots.delete(slot);
      slot.worker.terminate();
      if (!slot.ready && slot.held.length === 0) {
        initError ??= new EngineError(`a sweep worker failed to start: ${e.message}`);
        onChange?.();
      } else if (onDeath) onDeath(slot, e.message);
    };
    slot.worker.postMessage({ type: "init", engine } satisfies ToWorker);
    return slot;
  };
  for (let i = 0; i < Math.max(1, workers); i++) spawn();

  const close = () => {
    for (const s of slots) s.worker.terminate();
    slots.clear();
    onChange = null;
    onDeath = null;
  };

  const run: Pool["run"] = (tasks, { signal, onResult }) => {
    if (tasks.length === 0 || signal?.aborted) {
      close();
      return Promise.resolve();
    }
    // More workers than points: the extra ones are not needed.
    for (const s of [...slots].slice(tasks.length)) {
      slots.delete(s);
      s.worker.terminate();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = [...tasks]; // not yet sent
      let finished = 0;
      let settled = false;
      const end = (error?: unknown) => {
        if (settled) return;
        settled = true;
        close();
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => end();
      signal?.addEventListener("abort", onAbort);

      const schedule = () => {
        if (settled) return;
        if (initError) return end(initError);
        while (results.length > 0) {
          onResult(results.shift()!);
          if (++finished === tasks.length) return end();
          if (settled) return;
        }
        const ready = [...slots].filter((s) => s.ready);
        for (const s of ready) {
          while (s.held.length < DEPTH && queue.length > 0) {
            const t = queue.shift()!;
            s.held.push(t);
            s.worker.postMessage({ type: "run", id: t.id, config: t.config } satisfies ToWorker);
          }
        }
      };
      onChange = schedule;
      onDeath = (slot, message) => {
        if (settled) return;
        // It ran its first held point and dies with it; the rest go back.
        const [lost, ...rest] = slot.held;
        queue.unshift(...rest);
        if (lost) {
          results.push({
            type: "result",
            id: lost.id,
            ok: false,
            wallMs: 0,
            error: `worker died: ${message}`,
          });
        }
        if (queue.length > 0) spawn();
        schedule();
      };
      schedule();
    });
  };
  return { run, close };
}

/**
 * Resolves when every task has a result, or when the signal aborts (the
 * points in flight are then dropped, to run again next time).
 */
export function runPool(tasks: PoolTask[], options: PoolOptions): Promise<void> {
  if (tasks.length === 0 || options.signal?.aborted) return Promise.resolve();
  const pool = startPool(options.engine, Math.max(1, Math.min(options.workers, tasks.length)));
  return pool.run(tasks, { signal: options.signal, onResult: options.onResult });
}
