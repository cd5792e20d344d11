// Unit strings read and written as configs and messages use them: binary and
// decimal prefixes, durations, bandwidths and rates; bad strings say what is allowed.

import assert from "node:assert/strict";
import {
  formatEta,
  formatSize,
  formatSizeIn,
  parseBandwidth,
  parseDuration,
  parseOpsRate,
  parseSize,
  sizeUnit,
  UnitError,
} from "./units.ts";

Deno.test("sizes: binary and decimal prefixes mean what they say", () => {
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize("4096"), 4096);
  assert.equal(parseSize("4KiB"), 4096);
  assert.equal(parseSize("2MiB"), 2 * 1024 * 1024);
  assert.equal(parseSize("64GiB"), 64 * 2 ** 30);
  assert.equal(parseSize("4TiB"), 4 * 2 ** 40);
  assert.equal(parseSize("1GB"), 1e9);
  assert.equal(parseSize("1.5KB"), 1500);
  assert.equal(parseSize("4 KiB"), 4096);
  assert.equal(parseSize("512B"), 512);
});

Deno.test("sizes: bad strings are errors that say what is allowed", () => {
  for (const bad of ["4Gib", "abc", "", "2MiB/s", "-4KiB", "0.5B", "1e400"]) {
    assert.throws(() => parseSize(bad), UnitError, bad);
  }
  assert.throws(() => parseSize("4Gib"), /"4Gib" is not a size: .*"2MiB"/);
  assert.throws(() => parseSize(0.5), /0.5 is not a whole number of bytes/);
  assert.throws(() => parseSize(-1), /-1 is negative/);
  assert.throws(() => parseSize(true), /true is not a size/);
});

Deno.test("durations are milliseconds", () => {
  assert.equal(parseDuration(300), 300);
  assert.equal(parseDuration("300ms"), 300);
  assert.equal(parseDuration("2s"), 2000);
  assert.equal(parseDuration("150us"), 0.15);
  assert.equal(parseDuration("1min"), 60000);
  assert.throws(() => parseDuration("300"), /"300" is not a duration/);
  assert.throws(() => parseDuration("3 parsecs"), /is not a duration/);
});

Deno.test("bandwidths are bytes per second; bits are an eighth of a byte", () => {
  assert.equal(parseBandwidth("10Gbit/s"), 1.25e9);
  assert.equal(parseBandwidth("1.25GB/s"), 1.25e9);
  assert.equal(parseBandwidth("128MiB/s"), 128 * 2 ** 20);
  assert.equal(parseBandwidth("10Gbps"), 1.25e9);
  assert.equal(parseBandwidth(1e9), 1e9);
  assert.throws(() => parseBandwidth("10G"), /"10G" is not a bandwidth/);
  assert.throws(() => parseBandwidth("fast"), /is not a bandwidth/);
});

Deno.test("operation rates", () => {
  assert.equal(parseOpsRate(2e6), 2e6);
  assert.equal(parseOpsRate("2e6"), 2e6);
  assert.equal(parseOpsRate("2M/s"), 2e6);
  assert.equal(parseOpsRate("500k/s"), 5e5);
  assert.throws(() => parseOpsRate("2Mi/s"), /is not a rate/);
  assert.throws(() => parseOpsRate("lots"), /is not a rate/);
});

Deno.test("formatSize is exact where it can be", () => {
  assert.equal(formatSize(2 * 2 ** 20), "2MiB");
  assert.equal(formatSize(2 * 2 ** 20 + 1), "2MiB+1");
  assert.equal(formatSize(4096), "4KiB");
  assert.equal(formatSize(100), "100B");
  assert.equal(formatSize(1.5 * 2 ** 30), "1.5GiB");
});

Deno.test("one unit table: formatSize (exact, as configs write it) and formatSizeIn (for reading)", () => {
  assert.deepEqual(sizeUnit(2 ** 30), [2 ** 30, "GiB"]);
  assert.deepEqual(sizeUnit(2 ** 30 - 1), [2 ** 20, "MiB"]);
  assert.deepEqual(sizeUnit(1023), [1, "B"]);
  assert.equal(formatSizeIn(4.25 * 2 ** 30, sizeUnit(4.25 * 2 ** 30)), "4.25 GiB");
  assert.equal(formatSizeIn(2 ** 29, [2 ** 30, "GiB"]), "0.5 GiB");
  assert.equal(formatSizeIn(1e9, [2 ** 30, "GiB"]), "0.9313 GiB");
  assert.equal(formatSizeIn(512, sizeUnit(512)), "512 B");
});

Deno.test("formatEta: seconds, minutes and seconds, hours and minutes; ? when unknown", () => {
  assert.equal(formatEta(4.4), "4s");
  assert.equal(formatEta(75), "1m15s");
  assert.equal(formatEta(3599.6), "1h00m");
  assert.equal(formatEta(7500), "2h05m");
  assert.equal(formatEta(null), "?");
  assert.equal(formatEta(Infinity), "?");
});
