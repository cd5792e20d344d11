// Config keys that take a quantity: a number in the effective unit, or a unit
// string that lib/units parses ("2MiB", "300ms", "10Gbit/s", "2M/s"). A bad
// string is a zod issue carrying the unit parser's message (which names the
// value and what is allowed), so it reaches the user as every other config error.

import { z } from "zod";
import { parseBandwidth, parseDuration, parseOpsRate, parseSize, UnitError } from "../units/mod.ts";

function unit(parse: (v: unknown) => number, description: string) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      return parse(v);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      ctx.issues.push({ code: "custom", message: e.message, input: v });
      return z.NEVER;
    }
  }).meta({ description });
}

/** Bytes. */
export const size = (d: string) =>
  unit(parseSize, `${d} (bytes, or a string such as "2MiB", "64GiB")`);
/** Milliseconds. */
export const duration = (d: string) =>
  unit(parseDuration, `${d} (milliseconds, or a string such as "300ms", "2s")`);
/** Bytes/s. */
export const bandwidth = (d: string) =>
  unit(parseBandwidth, `${d} (bytes/s, or a string such as "128MiB/s", "10Gbit/s")`);
/** Operations/s. */
export const opsRate = (d: string) =>
  unit(parseOpsRate, `${d} (operations/s, or a string such as "2M/s")`);
