// Runs points on a pool of Web Workers and hands each outcome to a callback as
// it arrives. Workers can be started before the points are known (loading the
// engine then overlaps the caller's set-up), and each worker is sent its next
// point while it runs one, so it never waits for the main thread between
// points (only while points remain for every worker: at the end a point goes
// to whichever worker is free). A worker left with nothing to do takes a
// point another worker holds and has not started (so no short point waits
// behind a long one at the end of a sweep). A worker that dies (an uncaught
// error, out of memory) fails only the point it was running, is replaced, and
// the point it held next goes to another; an engine that cannot be loaded
// stops the pool.

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

/** Points a worker holds at most: the one it runs and the next. */
const DEPTH = 2;

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
  /** The id of a held task asked back ("cancel") and not yet answered, or -1. */
  recalling: number;
}

/** Starts `workers` workers that load `engine` now; their points come with run(). */
export function startPool(engine: string, workers: number): Pool {
  const slots = new Set<Slot>();
  /** Results arrived and not yet handed on. */
  const results: PoolResult[] = [];
  /** Tasks a worker gave back unstarted ("returned"), to run elsewhere. */
  const returned: PoolTask[] = [];
  let initError: EngineError | undefined;
  let onChange: (() => void) | null = null; // run()'s scheduler, once running
  let onDeath: ((s: Slot, message: string) => void) | null = null;

  const spawn = (): Slot => {
    const slot: Slot = {
      worker: new Worker(WORKER_URL, { type: "module" }),
      ready: false,
      held: [],
      recalling: -1,
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
      } else if (m.type === "returned") {
        const i = slot.held.findIndex((t) => t.id === m.id);
        if (i >= 0) returned.push(...slot.held.splice(i, 1));
        slot.recalling = -1;
        onChange?.();
      } else {
        const i = slot.held.findIndex((t) => t.id === m.id);
        if (i >= 0) slot.held.splice(i, 1);
        if (slot.recalling === m.id) slot.recalling = -1; // it had started: too late
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
        queue.unshift(...returned.splice(0));
        // Keep DEPTH points on a worker while there are points for all of
        // them; at the end, one each, so no point waits behind another.
        const ready = [...slots].filter((s) => s.ready);
        for (const s of ready) {
          const depth = queue.length > ready.length ? DEPTH : 1;
          while (s.held.length < depth && queue.length > 0) {
            const t = queue.shift()!;
            s.held.push(t);
            s.worker.postMessage({ type: "run", id: t.id, config: t.config } satisfies ToWorker);
          }
        }
        // Nothing left to send and a worker idle: ask a busy one for the
        // point it holds next (it answers "returned" unless it has started).
        if (queue.length === 0 && ready.some((s) => s.held.length === 0)) {
          for (const s of ready) {
            if (s.held.length >= 2 && s.recalling < 0) {
              s.recalling = s.held[s.held.length - 1].id;
              s.worker.postMessage({ type: "cancel", id: s.recalling } satisfies ToWorker);
            }
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
