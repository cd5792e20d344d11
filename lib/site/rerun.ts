// The command that reruns one stored run, from its effective config (the
// runs table's config_json): `deno task sim --config <(echo '…')` with the
// whole config, or `deno task sim key=value…` with only the leaves that
// differ from the defaults. Pure functions with no imports, so the explorer's
// browser bundle shows the same command the tests run.

/** How a reader starts Deno: nothing but Node is needed. */
export const DENO = "npx -y deno@2.9.6";

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `deno task sim --config <(echo '<config>')`: the whole effective config. */
export function rerunWithConfig(config: unknown): string {
  return `${DENO} task sim --config <(echo ${shellQuote(JSON.stringify(config))})`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function leaves(v: Json, path: string[], out: Map<string, Json>): void {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, child] of Object.entries(v)) leaves(child, [...path, k], out);
  } else out.set(path.join("."), v);
}

/** A value as the sim command reads it back: JSON, or a bare word that is no JSON. */
function valueText(v: Json): string {
  if (typeof v !== "string") return JSON.stringify(v);
  try {
    JSON.parse(v);
    return JSON.stringify(v); // "true", "64": keep them strings
  } catch {
    return v;
  }
}

/**
 * The `key=value` overrides that turn `defaults` into `config`: every leaf of
 * config whose value differs (arrays whole, as JSON). Under an object whose
 * `kind` differs (another workload kind, with defaults of its own) every leaf
 * is given, so no default of the other variant leaks in.
 */
export function overridesFrom(config: unknown, defaults: unknown): string[] {
  const want = new Map<string, Json>(), have = new Map<string, Json>();
  leaves(config as Json, [], want);
  leaves(defaults as Json, [], have);
  const changedKinds = [...want].filter(([k, v]) =>
    (k === "kind" || k.endsWith(".kind")) && JSON.stringify(have.get(k)) !== JSON.stringify(v)
  ).map(([k]) => k.slice(0, -"kind".length));
  const out: string[] = [];
  for (const [k, v] of want) {
    const whole = changedKinds.some((prefix) => k.startsWith(prefix));
    if (!whole && JSON.stringify(have.get(k)) === JSON.stringify(v)) continue;
    out.push(shellQuote(`${k}=${valueText(v)}`));
  }
  return out;
}

/** `deno task sim key=value…`: the run's differences from the defaults. */
export function rerunWithOverrides(config: unknown, defaults: unknown): string {
  return [`${DENO} task sim`, ...overridesFrom(config, defaults)].join(" ");
}
