// A worker of `deno task reproduce`: simulates one stored effective config at
// a time and posts back its summary (or the error), so runs go in parallel.

import { simulate } from "../migration/mod.ts";

interface Job {
  id: number;
  config: unknown;
}

// The worker's global scope, typed as much as is used (Deno types `self` as a window).
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (e: MessageEvent<Job>) => {
  const { id, config } = e.data;
  try {
    const r = await simulate(config as Parameters<typeof simulate>[0]);
    scope.postMessage({ id, summary: r.summary });
  } catch (err) {
    scope.postMessage({ id, error: (err as Error).message ?? String(err) });
  }
};
