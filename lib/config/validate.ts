// Validation at the boundary: schema issues and cross-field rules become one
// ConfigError whose lines name the key path, the value given and what is
// allowed, e.g. `tracking.split: "eagre" is not one of none, eager, lazy`.
// Nothing past this point sees an unchecked config.

import { z } from "zod";
import { type RunConfig, runConfigSchema } from "./schema.ts";
import { formatSize } from "../units/mod.ts";
import { vendor } from "../hw/mod.ts";

/** A config that failed validation; `problems` holds one line per fault. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `invalid config:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(config)";
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "nothing";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${show(v)}`;
}

/** Keys a strict object at `path` allows, for "unknown key" messages. */
function allowedKeys(path: readonly PropertyKey[], input: unknown): string[] {
  // deno-lint-ignore no-explicit-any
  let schema: any = runConfigSchema;
  let value = input;
  for (const p of path) {
    schema = unwrap(schema, value);
    if (typeof p === "number") schema = schema?._zod?.def?.element;
    else schema = schema?.shape?.[p as string];
    if (!schema) return [];
    value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
  }
  return Object.keys(unwrap(schema, value)?.shape ?? {});
}

// deno-lint-ignore no-explicit-any
function unwrap(schema: any, value: unknown): any {
  for (let i = 0; i < 8 && schema; i++) {
    const def = schema._zod?.def;
    if (!def) return schema;
    if (def.type === "object" || def.type === "array") return schema;
    if (def.type === "union" && def.discriminator) {
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      // deno-lint-ignore no-explicit-any
      schema = def.options.find((o: any) => o.shape?.kind?._zod?.def?.values?.[0] === kind) ??
        def.options[0];
      continue;
    }
    if (def.type === "pipe") schema = def.in?._zod?.def?.type === "transform" ? def.out : def.in;
    else schema = def.innerType ?? def.schema;
  }
  return schema;
}

function issueText(issue: z.core.$ZodIssue, input: unknown): string {
  const where = pathText(issue.path);
  const given = "input" in issue ? issue.input : undefined;
  switch (issue.code) {
    case "invalid_value":
      return `${where}: ${show(given)} is not one of ${issue.values.map(String).join(", ")}`;
    case "unrecognized_keys": {
      const allowed = allowedKeys(issue.path, input);
      const names = issue.keys.map((k) => `"${k}"`).join(", ");
      return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${names}` +
        (allowed.length ? ` (allowed: ${allowed.join(", ")})` : "");
    }
    case "invalid_union": {
      if ("discriminator" in issue && issue.discriminator) {
        const options = (issue as unknown as { options: unknown[] }).options.map(String);
        const kind = (given as Record<string, unknown> | undefined)
          ?.[issue.discriminator as string];
        return `${where}: ${show(kind)} is not one of ${options.join(", ")}`;
      }
      const expected = issue.errors.flat().map((e) => {
        if (e.code === "invalid_value") return e.values.map(show).join(" or ");
        if (e.code === "invalid_type") return `a ${e.expected}`;
        if (e.code === "too_small") return `a number >= ${e.minimum}`;
        if (e.code === "custom") return e.message;
        return e.message;
      });
      return `${where}: ${show(given)} is not allowed: expected ${
        [...new Set(expected)].join(" or ")
      }`;
    }
    case "invalid_type":
      if (given === undefined) return `${where}: is required (${issue.expected})`;
      return `${where}: expected ${issue.expected}, got ${typeName(given)}`;
    case "too_small":
      return `${where}: ${show(given)} is too small: must be ${
        issue.inclusive ? ">=" : ">"
      } ${issue.minimum}`;
    case "too_big":
      return `${where}: ${show(given)} is too large: must be ${
        issue.inclusive ? "<=" : "<"
      } ${issue.maximum}`;
    case "not_multiple_of":
      return `${where}: ${show(given)} is not a multiple of ${issue.divisor}`;
    case "custom":
      return `${where}: ${issue.message}`;
    default:
      return `${where}: ${issue.message}${given !== undefined ? ` (got ${show(given)})` : ""}`;
  }
}

const isPow2 = (n: number) => n > 0 && Number.isInteger(Math.log2(n));

/** Rules that span fields; each returns the problem lines it finds. */
function crossFieldProblems(c: RunConfig): string[] {
  const out: string[] = [];
  const v = vendor(c.iommu.vendor);
  const sizes = v.pageSizes.map(formatSize).join(", ");
  if (!v.pageSizes.includes(c.iommu.pageSize)) {
    out.push(
      `iommu.pageSize: ${
        formatSize(c.iommu.pageSize)
      } is not a page size of vendor ${v.name}: ${sizes}`,
    );
  }
  if (!v.pageSizes.includes(c.tracking.splitTo)) {
    out.push(
      `tracking.splitTo: ${
        formatSize(c.tracking.splitTo)
      } is not a page size of vendor ${v.name}: ${sizes}`,
    );
  } else if (c.tracking.splitTo > c.iommu.pageSize) {
    out.push(
      `tracking.splitTo: ${formatSize(c.tracking.splitTo)} must not be larger than iommu.pageSize ${
        formatSize(c.iommu.pageSize)
      }`,
    );
  }
  if (c.guest.memory === 0) {
    out.push(`guest.memory: 0 is too small: guest memory must not be empty`);
  } else if (c.guest.memory % c.iommu.pageSize !== 0) {
    out.push(
      `guest.memory: ${formatSize(c.guest.memory)} is not a multiple of iommu.pageSize ${
        formatSize(c.iommu.pageSize)
      }`,
    );
  }
  for (
    const [key, g] of [["iommu.iotlb", c.iommu.iotlb], [
      "iommu.walkCache",
      c.iommu.walkCache,
    ]] as const
  ) {
    if (g.entries % g.ways !== 0) {
      out.push(`${key}.ways: ${g.ways} does not divide ${key}.entries ${g.entries}`);
    } else if (g.entries > 0 && !isPow2(g.entries / g.ways)) {
      out.push(
        `${key}: ${g.entries} entries / ${g.ways} ways = ${
          g.entries / g.ways
        } sets, not a power of two`,
      );
    }
  }
  if (c.iommu.iotlb.entries === 0) {
    out.push(`iommu.iotlb.entries: 0 is too small: the IOTLB needs at least one entry`);
  }
  if (c.tracking.readInterval <= 0) {
    out.push(`tracking.readInterval: ${c.tracking.readInterval} is too small: must be > 0 ms`);
  }
  const dev = c.tracking.device.pageSize;
  if (!isPow2(dev) || dev < 4096) {
    out.push(`tracking.device.pageSize: ${formatSize(dev)} is not a power of two >= 4KiB`);
  }
  const w = c.workload;
  const end = w.offset + w.workingSet;
  if (w.workingSet === 0) out.push(`workload.workingSet: 0 is too small: must be > 0`);
  if (w.accessSize === 0) out.push(`workload.accessSize: 0 is too small: must be > 0`);
  if (end > c.guest.memory) {
    out.push(
      `workload: offset ${formatSize(w.offset)} + workingSet ${formatSize(w.workingSet)} = ${
        formatSize(end)
      } is beyond guest.memory ${formatSize(c.guest.memory)}`,
    );
  }
  if (w.accessSize > w.workingSet && w.workingSet > 0) {
    out.push(
      `workload.accessSize: ${formatSize(w.accessSize)} is larger than workload.workingSet ${
        formatSize(w.workingSet)
      }`,
    );
  }
  if (w.kind === "ring" && w.buffers * w.bufferSize > w.workingSet) {
    out.push(
      `workload.buffers: ${w.buffers} buffers of ${
        formatSize(w.bufferSize)
      } do not fit workload.workingSet ${formatSize(w.workingSet)}`,
    );
  }
  if (w.kind === "mix") {
    w.parts.forEach((p, i) => {
      if (p.offset + p.workingSet > c.guest.memory) {
        out.push(
          `workload.parts[${i}]: offset + workingSet is beyond guest.memory ${
            formatSize(c.guest.memory)
          }`,
        );
      }
    });
  }
  if (c.migration.bandwidth <= 0) out.push(`migration.bandwidth: must be > 0`);
  return out;
}

/** Validates and defaults a config; throws ConfigError listing every fault. */
export function parseConfig(input: unknown = {}): RunConfig {
  const r = runConfigSchema.safeParse(input, { reportInput: true });
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => issueText(i, input)));
  const problems = crossFieldProblems(r.data);
  if (problems.length) throw new ConfigError(problems);
  return r.data;
}

/** Like parseConfig, but returns the problems instead of throwing. */
export function checkConfig(
  input: unknown,
): { ok: true; config: RunConfig } | { ok: false; problems: string[] } {
  try {
    return { ok: true, config: parseConfig(input) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.problems };
    throw e;
  }
}
