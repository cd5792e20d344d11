// Unit strings for sizes, durations and rates, as people write them in configs
// and on the command line: "64GiB", "2MiB", "300ms", "10Gbit/s", "1.25GB/s",
// "2M/s". Binary prefixes (Ki, Mi, Gi, Ti) are powers of 1024, decimal ones
// (k, M, G, T) powers of 1000, as IEC 80000-13 has it. Bare numbers are bytes,
// milliseconds, bytes per second and operations per second.

const DECIMAL: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

function prefixFactor(prefix: string): number | undefined {
  return BINARY[prefix] ?? DECIMAL[prefix];
}

const NUMBER = String.raw`([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)`;
const PREFIX = String.raw`(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P)?`;

const SIZE_RE = new RegExp(String.raw`^${NUMBER}\s*${PREFIX}(B|bytes?)?$`);
const DURATION_RE = new RegExp(String.raw`^${NUMBER}\s*(ns|us|µs|ms|s|min|h)$`);
const BANDWIDTH_RE = new RegExp(String.raw`^${NUMBER}\s*${PREFIX}(B|bit|b)(/s|ps)$`);
const OPS_RATE_RE = new RegExp(String.raw`^${NUMBER}\s*${PREFIX}(/s|ops/s)?$`);

const DURATION_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1e3,
  min: 60e3,
  h: 3600e3,
};

/** A unit string that could not be read, with what would have been allowed. */
export class UnitError extends Error {}

function finite(value: number, what: string, given: unknown): number {
  if (!Number.isFinite(value)) throw new UnitError(`${show(given)} is not a finite ${what}`);
  if (value < 0) throw new UnitError(`${show(given)} is negative; a ${what} must be >= 0`);
  return value;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Bytes from 4096, "4096", "4KiB", "2MiB", "1.5GB". Must come out a whole number. */
export function parseSize(v: unknown): number {
  if (typeof v === "number") return wholeBytes(finite(v, "size", v), v);
  if (typeof v !== "string") throw new UnitError(`${show(v)} is not a size`);
  const m = SIZE_RE.exec(v.trim());
  if (!m) {
    throw new UnitError(
      `${
        show(v)
      } is not a size: write bytes as a number or with a unit, e.g. 4096, "4KiB", "2MiB", "64GiB", "1GB"`,
    );
  }
  const bytes = Number(m[1]) * prefixFactor(m[2] ?? "")!;
  return wholeBytes(finite(bytes, "size", v), v);
}

function wholeBytes(bytes: number, given: unknown): number {
  if (!Number.isInteger(bytes)) {
    throw new UnitError(`${show(given)} is not a whole number of bytes`);
  }
  if (bytes > Number.MAX_SAFE_INTEGER) throw new UnitError(`${show(given)} is too large`);
  return bytes;
}

/** Milliseconds from 300, "300ms", "2s", "150us". */
export function parseDuration(v: unknown): number {
  if (typeof v === "number") return finite(v, "duration", v);
  if (typeof v !== "string") throw new UnitError(`${show(v)} is not a duration`);
  const m = DURATION_RE.exec(v.trim());
  if (!m) {
    throw new UnitError(
      `${
        show(v)
      } is not a duration: write milliseconds as a number or with a unit, e.g. 300, "300ms", "2s", "150us"`,
    );
  }
  return finite(Number(m[1]) * DURATION_MS[m[2]], "duration", v);
}

/** Bytes per second from 134217728, "128MiB/s", "10Gbit/s", "1.25GB/s", "10Gbps". */
export function parseBandwidth(v: unknown): number {
  if (typeof v === "number") return finite(v, "bandwidth", v);
  if (typeof v !== "string") throw new UnitError(`${show(v)} is not a bandwidth`);
  const m = BANDWIDTH_RE.exec(v.trim());
  if (!m) {
    throw new UnitError(
      `${
        show(v)
      } is not a bandwidth: write bytes/s as a number or with a unit, e.g. "128MiB/s", "10Gbit/s", "1.25GB/s"`,
    );
  }
  const perUnit = m[3] === "B" ? 1 : 1 / 8;
  return finite(Number(m[1]) * prefixFactor(m[2] ?? "")! * perUnit, "bandwidth", v);
}

/** Operations per second from 2e6, "2e6", "2M/s", "500k/s", "1.5Mops/s". */
export function parseOpsRate(v: unknown): number {
  if (typeof v === "number") return finite(v, "rate", v);
  if (typeof v !== "string") throw new UnitError(`${show(v)} is not a rate`);
  const m = OPS_RATE_RE.exec(v.trim());
  if (!m || BINARY[m[2] ?? ""] !== undefined) {
    throw new UnitError(
      `${
        show(v)
      } is not a rate: write operations per second as a number or e.g. "2M/s", "500k/s", 2e6`,
    );
  }
  return finite(Number(m[1]) * prefixFactor(m[2] ?? "")!, "rate", v);
}

const SIZE_UNITS: [number, string][] = [
  [2 ** 50, "PiB"],
  [2 ** 40, "TiB"],
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
];

/** The largest binary unit not above `bytes`, as [factor, name]: [2 ** 20, "MiB"]; bytes below 1 KiB. */
export function sizeUnit(bytes: number): [number, string] {
  return SIZE_UNITS.find(([factor]) => bytes >= factor) ?? [1, "B"];
}

/** "2MiB", "4KiB", "2MiB+1", "1.5GiB" (approximate when not exact and not whole). */
export function formatSize(bytes: number): string {
  const [factor, unit] = sizeUnit(bytes);
  if (factor === 1) return `${bytes}B`;
  const whole = Math.floor(bytes / factor);
  const rest = bytes - whole * factor;
  if (rest === 0) return `${whole}${unit}`;
  if (rest < 1024 && factor >= 2 ** 20) return `${whole}${unit}+${rest}`;
  if (factor === 1024 && Number.isInteger(bytes)) return `${bytes}B`;
  return `${(bytes / factor).toPrecision(4).replace(/\.?0+$/, "")}${unit}`;
}

/** For reading, not parsing back: "4.25 GiB" in the given unit, at most four significant digits. */
export function formatSizeIn(bytes: number, [factor, name]: [number, string]): string {
  return `${+(bytes / factor).toPrecision(4)} ${name}`;
}

/** "128MiB/s"-style text of a bandwidth in bytes per second. */
export function formatBandwidth(bytesPerSecond: number): string {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/** A time left, to the second: "45s", "1m15s", "2h05m"; "?" when unknown. */
export function formatEta(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return "?";
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** "300ms", "2s", "150us". */
export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${+(ms / 1000).toPrecision(4)}s`;
  if (ms >= 1) return `${+ms.toPrecision(4)}ms`;
  return `${+(ms * 1000).toPrecision(4)}us`;
}
