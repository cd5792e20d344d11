// A config as a stable string and a hash: keys sorted at every level, so the
// same effective config always gives the same bytes. Sweeps use the hash
// (with the engine version) as a run key.

/** JSON with object keys sorted recursively; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Hex SHA-256 of a string. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hash of a config's canonical JSON (first 16 hex digits of SHA-256). */
export async function configHash(config: unknown, salt = ""): Promise<string> {
  return (await sha256Hex(salt + canonicalJson(config))).slice(0, 16);
}
