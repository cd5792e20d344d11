// A sweep worker (a Deno Web Worker): loads `simulate` from the engine module
// it is told, then runs the points it is sent one after another, in the order
// sent, and posts back each one's summary and rounds, or the error text (the
// pool sends a point when the last one is reported; the queue keeps the order
// should it send more). Points are independent and seeded by their config, so
// which worker runs a point never changes its result.

import type { RunConfig } from "../config/mod.ts";
import type { SimResult } from "../migration/mod.ts";

export type ToWorker =
  | { type: "init"; engine: string }
  | { type: "run"; id: number; config: RunConfig };

export type FromWorker =
  | { type: "ready" }
  | { type: "init-error"; error: string }
  | {
    type: "result";
    id: number;
    ok: true;
    wallMs: number;
    summary: SimResult["summary"];
    rounds: SimResult["rounds"];
  }
  | { type: "result"; id: number; ok: false; wallMs: number; error: string };

/** An error as one line: its name and message, and where it was thrown. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const where = e.stack?.split("\n").find((l) => l.trim().startsWith("at "))?.trim();
  return `${e.name}: ${e.message}${where ? ` (${where})` : ""}`;
}

type Simulate = (input: unknown) => Promise<SimResult>;

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};

let simulate: Simulate | undefined;
/** Points sent and not yet run, oldest first. */
const queue: Extract<ToWorker, { type: "run" }>[] = [];
let running = false;

async function runQueued(): Promise<void> {
  running = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    const t0 = performance.now();
    try {
      const r = await simulate!(m.config);
      scope.postMessage({
        type: "result",
        id: m.id,
        ok: true,
        wallMs: performance.now() - t0,
        summary: r.summary,
        rounds: r.rounds,
      });
    } catch (err) {
      scope.postMessage({
        type: "result",
        id: m.id,
        ok: false,
        wallMs: performance.now() - t0,
        error: errorText(err),
      });
    }
  }
  running = false;
}

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "init") {
    try {
      const mod = await import(m.engine);
      if (typeof mod.simulate !== "function") throw new Error("it does not export simulate()");
      simulate = mod.simulate;
      scope.postMessage({ type: "ready" });
    } catch (err) {
      scope.postMessage({
        type: "init-error",
        error: `cannot load the engine ${m.engine}: ${errorText(err)}`,
      });
    }
    return;
  }
  queue.push(m);
  if (!running) await runQueued();
};
