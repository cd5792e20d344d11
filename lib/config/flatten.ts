// A config as flat columns, one per leaf of the config schema (its output
// JSON Schema), the path joined with "_" (iommu_pageSize, tracking_split): the
// store's runs table and the plots' rows have this one shape, and a key added
// to the schema becomes a column with no change here. A leaf that may be a
// number or a word (clearBatch: 64 or "round") is text; lists are JSON text.

import { z } from "zod";
import { canonicalJson } from "./canonical.ts";
import { type RunConfig, runConfigSchema } from "./schema.ts";

/** What a leaf holds once flattened. */
export type LeafKind = "integer" | "number" | "boolean" | "text";

export interface ConfigLeaf {
  /** The column name: the path joined with "_". */
  name: string;
  path: string[];
  kind: LeafKind;
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

function leafKind(s: JsonSchema): LeafKind {
  const options = s.anyOf ?? s.oneOf;
  if (options) {
    const kinds = new Set(options.map(leafKind));
    return kinds.size === 1 ? [...kinds][0] : "text";
  }
  switch (s.type) {
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case undefined:
      // A unit (size, duration, rate): a string or number on input, always a
      // number once parsed; the JSON Schema cannot say so.
      return "number";
    default:
      return "text";
  }
}

function isObjectSchema(s: JsonSchema): boolean {
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.every((o) => o.properties !== undefined);
  return s.properties !== undefined;
}

function walk(s: JsonSchema, path: string[], out: Map<string, ConfigLeaf>): void {
  if (!isObjectSchema(s)) {
    const name = path.join("_");
    const kind = leafKind(s);
    const seen = out.get(name);
    // The same leaf in two variants of a union (workload kinds) keeps one
    // column; if their kinds differ it holds text.
    if (seen) seen.kind = seen.kind === kind ? kind : "text";
    else out.set(name, { name, path, kind });
    return;
  }
  for (const variant of s.anyOf ?? s.oneOf ?? [s]) {
    for (const [k, child] of Object.entries(variant.properties ?? {})) {
      walk(child, [...path, k], out);
    }
  }
}

let cached: ConfigLeaf[] | undefined;

/** One leaf per column of a flattened config, in schema order. */
export function configLeaves(): ConfigLeaf[] {
  if (!cached) {
    const schema = z.toJSONSchema(runConfigSchema, { io: "output", unrepresentable: "any" });
    const out = new Map<string, ConfigLeaf>();
    walk(schema as JsonSchema, [], out);
    cached = [...out.values()];
  }
  return cached;
}

function at(config: unknown, path: string[]): unknown {
  let v = config;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** A config value as its column holds it (text columns take words, numbers or JSON). */
function cell(value: unknown, kind: LeafKind): unknown {
  if (value === undefined || value === null) return null;
  if (kind !== "text") return value;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return canonicalJson(value);
}

/** A config's columns: name → value, every leaf of the schema (null where the config has none). */
export function flattenConfig(config: RunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const l of configLeaves()) out[l.name] = cell(at(config, l.path), l.kind);
  return out;
}
