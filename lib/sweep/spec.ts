// A sweep is a base config plus axes (Hydra's multirun: `key=a,b,c`,
// `key=range(1,6)`): the grid (product) of the axes by default, `zip` groups
// for axes that move together, `repeat` for seeds. Expansion yields one config
// input per point; every point is validated by the one config schema before
// anything runs, so a bad axis value fails the whole sweep at once.

import {
  checkConfig,
  ConfigFileError,
  configHash,
  mergeInputs,
  parseAssignment,
  parseConfig,
  parseValue,
  readConfigFile,
  type RunConfig,
  setPath,
  withoutSchemaKey,
} from "../config/mod.ts";

/** An axis's values: a list, or text as on the command line ("4KiB,2MiB", "range(1,6)"). */
export type AxisValues = readonly unknown[] | string;

/** A sweep as written in a JSON or TS file (or built from the command line). */
export interface SweepSpec {
  /** A label for the sweep (stored with it). */
  name?: string;
  /** Config input the axes override; or the path of a JSON config file. */
  base?: Record<string, unknown> | string;
  /** Grid axes, key path → values; the first axis varies slowest. */
  axes?: Record<string, AxisValues>;
  /** Groups of axes that move together (equal lengths), after the grid axes. */
  zip?: Record<string, AxisValues>[];
  /** Runs every point with this many seeds, from the base seed up. */
  repeat?: number;
}

const SPEC_KEYS = ["name", "base", "axes", "zip", "repeat", "$schema"];

/** One dimension of the product: a grid axis (one key) or a zip group. */
export interface Dimension {
  keys: string[];
  /** values[i][k] is the i-th value of keys[k]. */
  values: unknown[][];
}

export interface PlannedPoint {
  /** Position in the expansion (after dropping duplicate run keys). */
  index: number;
  /** The value each dimension's keys take at this point. */
  axes: Record<string, unknown>;
  /** The effective, fully defaulted config. */
  config: RunConfig;
  /** configHash(config, engineVersion). */
  runKey: string;
}

/** A validated, expanded sweep: what runs. */
export interface SweepPlan {
  name: string | null;
  /** The spec as written (spec file content or command line). */
  written: unknown;
  base: Record<string, unknown>;
  dimensions: Dimension[];
  points: PlannedPoint[];
  /** Points dropped because an earlier point has the same effective config. */
  duplicates: number;
  engineVersion: string;
  /** Hash of the engine version and every run key, in order: same plan, same id. */
  planHash: string;
}

/** A sweep spec that cannot run; `problems` holds one line per fault. */
export class SweepSpecError extends Error {
  constructor(readonly problems: string[], headline?: string) {
    super(
      problems.length === 1 && !headline
        ? problems[0]
        : `${headline ?? "invalid sweep spec"}:\n  ${problems.join("\n  ")}`,
    );
    this.name = "SweepSpecError";
  }
}

/**
 * Splits `a,b,[1,2],"x,y"` at top-level commas (brackets and quotes nest). An
 * unbalanced bracket or an unterminated quote is a SweepSpecError naming `key`
 * (rather than one item that swallowed the commas after it).
 */
function splitTopLevel(key: string, text: string, whole = text, offset = 0): string[] {
  const out: string[] = [];
  const open: { c: string; at: number }[] = [];
  const pairs: Record<string, string> = { "]": "[", "}": "{", ")": "(" };
  let quote = "";
  let quoteAt = 0;
  let start = 0;
  const fail = (what: string) => {
    throw new SweepSpecError([`${key}: ${what} in "${whole}"`]);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
      quoteAt = i;
    } else if (c === "[" || c === "{" || c === "(") open.push({ c, at: i });
    else if (c === "]" || c === "}" || c === ")") {
      const top = open.pop();
      if (!top) fail(`unbalanced brackets: "${c}" at ${offset + i + 1} closes nothing`);
      else if (top.c !== pairs[c]) {
        fail(
          `unbalanced brackets: "${c}" at ${offset + i + 1} does not close "${top.c}" at ${
            offset + top.at + 1
          }`,
        );
      }
    } else if (c === "," && open.length === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) fail(`unterminated quote: ${quote} at ${offset + quoteAt + 1} is never closed`);
  if (open.length) {
    const top = open.at(-1)!;
    fail(`unbalanced brackets: "${top.c}" at ${offset + top.at + 1} is never closed`);
  }
  out.push(text.slice(start));
  return out;
}

function rangeValues(key: string, args: string[]): number[] {
  const nums = args.map((a) => Number(a.trim()));
  if (nums.length < 1 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
    throw new SweepSpecError([
      `${key}: range(${
        args.join(",")
      }) needs 1 to 3 numbers: range(stop), range(start, stop) or range(start, stop, step)`,
    ]);
  }
  const [start, stop, step] = nums.length === 1
    ? [0, nums[0], 1]
    : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new SweepSpecError([`${key}: range step must not be 0`]);
  const out: number[] = [];
  // Stop is exclusive, as in Python and Hydra; the count is computed once so
  // fractional steps do not drift.
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > 1_000_000) throw new SweepSpecError([`${key}: range has ${count} values (too many)`]);
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}

/**
 * Reads an axis written as text: `a,b,c`, `choice(a,b)` or `range(start, stop[, step])`
 * (stop exclusive). Each item is read like a config override (parseValue):
 * JSON when it parses, else a string, so "2MiB" stays a unit string.
 */
export function parseAxisText(key: string, text: string): unknown[] {
  const t = text.trim();
  if (t === "") return [];
  const call = /^(range|choice)\s*\(([\s\S]*)\)$/.exec(t);
  const named = /^(range|choice)\s*\(/.exec(t)?.[1];
  if (named && !call) {
    throw new SweepSpecError([
      `${key}: malformed ${named}(…) in "${text}": expected ` +
      (named === "range"
        ? "range(stop), range(start, stop) or range(start, stop, step)"
        : "choice(a, b, …)") +
      " with the closing parenthesis last",
    ]);
  }
  const inner = call ? splitTopLevel(key, call[2], t, t.indexOf("(") + 1) : undefined;
  if (call?.[1] === "range") return rangeValues(key, inner!);
  const items = inner ?? splitTopLevel(key, t);
  if (items.some((i) => i.trim() === "")) {
    throw new SweepSpecError([`${key}: empty value in "${text}"`]);
  }
  return items.map(parseValue);
}

function axisValues(key: string, values: unknown): unknown[] {
  let list: unknown[];
  if (typeof values === "string") list = parseAxisText(key, values);
  else if (Array.isArray(values)) list = [...values];
  else {
    throw new SweepSpecError([
      `${key}: axis values must be a list or a text such as "a,b,c" or "range(1,6)", got ${
        JSON.stringify(values)
      }`,
    ]);
  }
  if (list.length === 0) throw new SweepSpecError([`${key}: empty axis (no values to sweep)`]);
  return list;
}

function checkKeyPath(key: string): string[] {
  try {
    return parseAssignment(`${key}=`).path;
  } catch (e) {
    throw new SweepSpecError([(e as Error).message]);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks the shape of a spec and turns its axes into dimensions. */
export function specDimensions(spec: SweepSpec, base: Record<string, unknown>): Dimension[] {
  if (!isPlainObject(spec)) throw new SweepSpecError(["a sweep spec must be an object"]);
  const unknown = Object.keys(spec).filter((k) => !SPEC_KEYS.includes(k));
  if (unknown.length) {
    throw new SweepSpecError([
      `unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} ` +
      `in sweep spec (allowed: name, base, axes, zip, repeat)`,
    ]);
  }
  const dims: Dimension[] = [];
  const seen = new Set<string>();
  const claim = (key: string) => {
    checkKeyPath(key);
    if (seen.has(key)) throw new SweepSpecError([`${key}: swept twice`]);
    seen.add(key);
  };
  if (spec.axes !== undefined && !isPlainObject(spec.axes)) {
    throw new SweepSpecError(["axes: must be an object of key path → values"]);
  }
  for (const [key, values] of Object.entries(spec.axes ?? {})) {
    claim(key);
    dims.push({ keys: [key], values: axisValues(key, values).map((v) => [v]) });
  }
  if (spec.zip !== undefined && !Array.isArray(spec.zip)) {
    throw new SweepSpecError([
      "zip: must be a list of groups, each an object of key path → values",
    ]);
  }
  for (const [g, group] of (spec.zip ?? []).entries()) {
    if (!isPlainObject(group) || Object.keys(group).length === 0) {
      throw new SweepSpecError([`zip[${g}]: must be a non-empty object of key path → values`]);
    }
    const keys = Object.keys(group);
    const lists = keys.map((k) => {
      claim(k);
      return axisValues(k, group[k]);
    });
    const lengths = lists.map((l) => l.length);
    if (new Set(lengths).size > 1) {
      throw new SweepSpecError([
        `zip[${g}]: axes that move together need equal lengths: ${
          keys.map((k, i) => `${k} has ${lengths[i]}`).join(", ")
        }`,
      ]);
    }
    dims.push({ keys, values: lists[0].map((_, i) => lists.map((l) => l[i])) });
  }
  const repeat: unknown = spec.repeat;
  if (repeat !== undefined) {
    if (typeof repeat !== "number" || !Number.isInteger(repeat) || repeat < 1) {
      throw new SweepSpecError([`repeat: ${JSON.stringify(repeat)} is not a whole number >= 1`]);
    }
    if (seen.has("seed")) throw new SweepSpecError(["repeat: seed is already an axis"]);
    const first = typeof base.seed === "number" ? base.seed : parseConfig({}).seed;
    dims.push({
      keys: ["seed"],
      values: Array.from({ length: repeat }, (_, i) => [first + i]),
    });
  }
  return dims;
}

/** Every combination of the dimensions, first dimension slowest. */
export function* product(dims: Dimension[]): Generator<Record<string, unknown>> {
  const idx = dims.map(() => 0);
  const total = dims.reduce((n, d) => n * d.values.length, 1);
  for (let n = 0; n < total; n++) {
    const axes: Record<string, unknown> = {};
    dims.forEach((d, i) => d.keys.forEach((k, j) => (axes[k] = d.values[idx[i]][j])));
    yield axes;
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i] < dims[i].values.length) break;
      idx[i] = 0;
    }
  }
}

function describe(axes: Record<string, unknown>): string {
  return Object.entries(axes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
}

/** Reads a spec file (.json, or .ts/.js exporting the spec as default). */
export async function readSpecFile(path: string): Promise<SweepSpec> {
  if (/\.(ts|js|mts|mjs)$/.test(path)) {
    const url = new URL(path, `file://${Deno.cwd()}/`);
    let mod: Record<string, unknown>;
    try {
      mod = await import(url.href);
    } catch (e) {
      throw new SweepSpecError([`cannot load spec file ${path}: ${(e as Error).message}`]);
    }
    const spec = mod.default ?? mod.spec;
    if (!isPlainObject(spec)) {
      throw new SweepSpecError([`spec file ${path} must export the spec as default (an object)`]);
    }
    return resolveBasePath(spec as SweepSpec, path);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new SweepSpecError([`cannot read spec file ${path}: ${(e as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SweepSpecError([`spec file ${path} is not valid JSON: ${(e as Error).message}`]);
  }
  if (!isPlainObject(value)) {
    throw new SweepSpecError([`spec file ${path} must hold a JSON object (a sweep spec)`]);
  }
  return resolveBasePath(value as SweepSpec, path);
}

/** A `base` path in a spec file is relative to that file. */
function resolveBasePath(spec: SweepSpec, specPath: string): SweepSpec {
  if (typeof spec.base !== "string" || spec.base.startsWith("/")) return spec;
  const dir = specPath.includes("/") ? specPath.slice(0, specPath.lastIndexOf("/") + 1) : "";
  return { ...spec, base: dir + spec.base };
}

async function readBase(base: SweepSpec["base"]): Promise<Record<string, unknown>> {
  if (base === undefined) return {};
  if (isPlainObject(base)) return withoutSchemaKey(base);
  if (typeof base !== "string") {
    throw new SweepSpecError(["base: must be a config object or the path of a JSON config file"]);
  }
  try {
    return await readConfigFile(base);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new SweepSpecError([`base: ${e.message}`]);
    throw e;
  }
}

export interface PlanOptions {
  /** Salt of every run key: the engine's ENGINE_VERSION. */
  engineVersion: string;
  /** The spec as written, stored with the sweep (default: the spec itself). */
  written?: unknown;
}

/**
 * Expands a spec into points and validates every one with parseConfig.
 * Throws SweepSpecError naming each bad key and value (and the first point
 * that has it) before anything runs. Points whose effective configs are equal
 * run once.
 */
export async function planSweep(spec: SweepSpec, options: PlanOptions): Promise<SweepPlan> {
  const base = await readBase(spec?.base);
  const dimensions = specDimensions(spec, base);
  const problems = new Map<string, { first: string; count: number }>();
  let invalid = 0;
  let total = 0;
  const valid: { axes: Record<string, unknown>; config: RunConfig }[] = [];
  for (const axes of product(dimensions)) {
    total++;
    const input = mergeInputs(base);
    try {
      for (const [k, v] of Object.entries(axes)) setPath(input, k.split("."), v);
    } catch (e) {
      throw new SweepSpecError([(e as Error).message]);
    }
    const r = checkConfig(input);
    if (r.ok) {
      valid.push({ axes, config: r.config });
      continue;
    }
    invalid++;
    for (const p of r.problems) {
      const seen = problems.get(p);
      if (seen) seen.count++;
      else problems.set(p, { first: describe(axes), count: 1 });
    }
  }
  if (invalid) {
    const lines = [...problems].map(([p, { first, count }]) =>
      `${p}\n    at ${first || "the base config"}${count > 1 ? ` (and ${count - 1} more)` : ""}`
    );
    throw new SweepSpecError(lines, `${invalid} of ${total} sweep points are invalid`);
  }
  const points: PlannedPoint[] = [];
  const keys = new Set<string>();
  for (const { axes, config } of valid) {
    const runKey = await configHash(config, options.engineVersion);
    if (keys.has(runKey)) continue;
    keys.add(runKey);
    points.push({ index: points.length, axes, config, runKey });
  }
  const planHash = await configHash(points.map((p) => p.runKey), options.engineVersion);
  return {
    name: spec.name ?? null,
    written: options.written ?? spec,
    base,
    dimensions,
    points,
    duplicates: valid.length - points.length,
    engineVersion: options.engineVersion,
    planHash,
  };
}

/**
 * The spec a plan was made from, with the base config inlined and `repeat`
 * written out as a seed axis (for shard jobs): planning it gives the same
 * points in the same order. Dimensions after the first zip group stay zip
 * groups (one key each) so the order holds.
 */
export function planSpec(plan: SweepPlan): SweepSpec {
  const axes: Record<string, unknown[]> = {};
  const zip: Record<string, unknown[]>[] = [];
  for (const d of plan.dimensions) {
    if (d.keys.length === 1 && zip.length === 0) axes[d.keys[0]] = d.values.map((v) => v[0]);
    else zip.push(Object.fromEntries(d.keys.map((k, j) => [k, d.values.map((v) => v[j])])));
  }
  return {
    ...(plan.name ? { name: plan.name } : {}),
    base: plan.base,
    axes,
    ...(zip.length ? { zip } : {}),
  };
}

/**
 * Builds a spec from command-line words: `key=v1,v2` axes (in order),
 * `zip` naming groups of keys that move together (`["a,b"]`), `repeat`.
 */
export function specFromArgs(
  assignments: string[],
  options: {
    base?: Record<string, unknown> | string;
    zip?: string[];
    repeat?: number;
    name?: string;
  } = {},
): SweepSpec {
  const axes: Record<string, string> = {};
  for (const a of assignments) {
    let parsed;
    try {
      parsed = parseAssignment(a);
    } catch (e) {
      throw new SweepSpecError([(e as Error).message]);
    }
    const key = parsed.path.join(".");
    if (key in axes) throw new SweepSpecError([`${key}: given twice`]);
    axes[key] = parsed.value;
  }
  const zip: Record<string, string>[] = [];
  for (const group of options.zip ?? []) {
    const keys = group.split(",").map((k) => k.trim()).filter(Boolean);
    if (keys.length < 2) {
      throw new SweepSpecError([`--zip ${group}: name at least two axes, e.g. --zip a.b,c.d`]);
    }
    const g: Record<string, string> = {};
    for (const k of keys) {
      if (!(k in axes)) {
        throw new SweepSpecError([`--zip: ${k} is not an axis on the command line`]);
      }
      g[k] = axes[k];
      delete axes[k];
    }
    zip.push(g);
  }
  return {
    ...(options.name ? { name: options.name } : {}),
    ...(options.base !== undefined ? { base: options.base } : {}),
    axes,
    ...(zip.length ? { zip } : {}),
    ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
  };
}
