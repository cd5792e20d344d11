// `key=value` overrides from the command line (`tracking.split=lazy
// iommu.pageSize=2MiB`), merged into a config input before validation.
// Values read as JSON when they parse (numbers, booleans, arrays, objects),
// else as strings, so units stay strings for the schema to read. A malformed
// override is a ConfigError, printed like any other config fault.

import { ConfigError } from "./validate.ts";

/** Reads one override value: JSON when it parses, else the raw string. */
export function parseValue(text: string): unknown {
  const t = text.trim();
  if (t === "") return t;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

/** Splits `a.b.c=v` into a path and a value; throws on a malformed pair. */
export function parseAssignment(arg: string): { path: string[]; value: string } {
  const eq = arg.indexOf("=");
  if (eq <= 0) {
    throw new ConfigError([`"${arg}" is not a key=value override (e.g. tracking.split=lazy)`]);
  }
  const path = arg.slice(0, eq).trim().split(".");
  if (path.some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype")) {
    throw new ConfigError([`"${arg.slice(0, eq)}" is not a key path (e.g. iommu.iotlb.entries)`]);
  }
  return { path, value: arg.slice(eq + 1) };
}

/** Sets `path` in a nested plain object, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const p of path.slice(0, -1)) {
    const next = node[p];
    if (next === undefined) node[p] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next)) {
      throw new ConfigError([`${path.join(".")}: cannot set it, ${p} is not an object`]);
    }
    node = node[p] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Deep merge of plain objects; later values win, arrays are replaced. */
export function mergeInputs(...inputs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const input of inputs) {
    if (input === undefined) continue;
    if (!isPlainObject(input)) throw new ConfigError(["a config must be a JSON object"]);
    mergeInto(out, input);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    if (isPlainObject(v) && isPlainObject(target[k])) {
      mergeInto(target[k] as Record<string, unknown>, v);
    } else target[k] = isPlainObject(v) ? structuredClone(v) : v;
  }
}

/** Applies `key=value` overrides to a config input, returning a new object. */
export function applyOverrides(base: unknown, assignments: string[]): Record<string, unknown> {
  const out = mergeInputs(base ?? {});
  for (const a of assignments) {
    const { path, value } = parseAssignment(a);
    setPath(out, path, parseValue(value));
  }
  return out;
}
