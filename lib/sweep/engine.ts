// Which module the sweep workers load `simulate` from: the real engine
// (lib/migration/mod.ts) unless told otherwise, e.g. a test double. Run keys
// are salted with that module's engine version (for the real engine, its
// release plus a hash of its sources), so results of two engines never share a key.

import { ENGINE_VERSION } from "../migration/mod.ts";

export const DEFAULT_ENGINE = new URL("../migration/mod.ts", import.meta.url).href;

/** A module specifier as a URL: paths are relative to the working directory. */
export function resolveEngine(engine: string | URL = DEFAULT_ENGINE): string {
  if (engine instanceof URL) return engine.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(engine)) return engine;
  return new URL(engine, `file://${Deno.cwd()}/`).href;
}

/** The engine module cannot be loaded or has no simulate(). */
export class EngineError extends Error {
  override name = "EngineError";
}

/** Loads the engine module (checking it has simulate) and returns its ENGINE_VERSION. */
export async function engineVersion(engineUrl: string): Promise<string> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(engineUrl);
  } catch (e) {
    throw new EngineError(`cannot load the engine ${engineUrl}: ${(e as Error).message}`);
  }
  if (typeof mod.simulate !== "function") {
    throw new EngineError(`the engine ${engineUrl} does not export simulate()`);
  }
  // The real engine hashes its sources (lib/migration/version.ts); a test
  // double may export a plain ENGINE_VERSION string.
  if (typeof mod.engineSourceVersion === "function") return await mod.engineSourceVersion();
  return typeof mod.ENGINE_VERSION === "string" ? mod.ENGINE_VERSION : ENGINE_VERSION;
}
