// The rules every simulate() result keeps, checked in one place: the tests run
// it on every real result and on the sweep tests' stand-in engine, so a test
// double cannot drift from the engine. Round i sends what the read ending round
// i − 1 found, the stop-and-copy lasts its bytes plus the last read, the records
// add up to the summary, and only an unsafe clear (isUnsafeClear) loses writes.

import { isUnsafeClear } from "../tracking/mod.ts";
import type { RoundRecord, SimResult } from "./types.ts";

/** Counters that the round records carry and the summary totals. */
const SUMMED = ["translations", "iotlbMisses", "invalidations", "domainFlushes", "splits"] as const;

/** A result that breaks the contract; `problems` holds one line per broken rule. */
export class SimContractError extends Error {
  constructor(readonly problems: string[]) {
    super(`simulate() result breaks its contract:\n  ${problems.join("\n  ")}`);
    this.name = "SimContractError";
  }
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/** The problems with `result`, one line each; empty when it keeps every rule. */
export function simResultProblems(result: SimResult): string[] {
  const { config, summary, rounds } = result;
  const p: string[] = [];
  if (rounds.length < 2) {
    p.push(`${rounds.length} round records: at least round 0 and the stop-and-copy`);
    return p;
  }
  if (summary.rounds !== rounds.length - 1) {
    p.push(`summary.rounds ${summary.rounds} != records − 1 = ${rounds.length - 1}`);
  }
  rounds.forEach((r: RoundRecord, i) => {
    if (r.round !== i) p.push(`rounds[${i}].round is ${r.round}`);
    if (r.stopAndCopy !== (i === rounds.length - 1)) {
      p.push(`rounds[${i}].stopAndCopy is ${r.stopAndCopy}: only the last record is`);
    }
    const expected = i === 0 ? config.guest.memory : rounds[i - 1].dirtyBytes;
    if (r.bytesSent !== expected) {
      p.push(
        `rounds[${i}].bytesSent ${r.bytesSent} != ${
          i === 0 ? "guest memory" : `rounds[${i - 1}].dirtyBytes`
        } ${expected}`,
      );
    }
    if (i > 0 && !close(r.startMs, rounds[i - 1].startMs + rounds[i - 1].durationMs)) {
      p.push(`rounds[${i}].startMs ${r.startMs} is not where round ${i - 1} ended`);
    }
  });
  const last = rounds[rounds.length - 1];
  if (last.dirtyBytes !== 0) p.push(`the stop-and-copy found ${last.dirtyBytes} dirty bytes`);
  if (rounds[0].startMs !== 0) p.push(`round 0 starts at ${rounds[0].startMs} ms`);
  const sent = rounds.reduce((s, r) => s + r.bytesSent, 0);
  if (summary.bytesTransferred !== sent) {
    p.push(`summary.bytesTransferred ${summary.bytesTransferred} != Σ bytesSent ${sent}`);
  }
  if (summary.dirtyBytesTransferred !== sent - config.guest.memory) {
    p.push(
      `summary.dirtyBytesTransferred ${summary.dirtyBytesTransferred} != Σ bytesSent − memory`,
    );
  }
  for (const k of SUMMED) {
    const total = rounds.reduce((s, r) => s + r[k], 0);
    if (summary[k] !== total) p.push(`summary.${k} ${summary[k]} != Σ rounds.${k} ${total}`);
  }
  if (summary.downtimeMs !== last.durationMs) {
    p.push(`summary.downtimeMs ${summary.downtimeMs} != the stop-and-copy's ${last.durationMs}`);
  }
  // The guest is paused from the last read on: its time is downtime too.
  const lastReadMs = rounds[rounds.length - 2].readNs / 1e6;
  const copyMs = (last.bytesSent / config.migration.bandwidth) * 1000;
  if (last.durationMs < (copyMs + lastReadMs) * (1 - 1e-9)) {
    p.push(
      `the stop-and-copy's ${last.durationMs} ms < its bytes at the bandwidth (${copyMs} ms) ` +
        `+ the last read (${lastReadMs} ms)`,
    );
  }
  const readNs = rounds.reduce((s, r) => s + r.readNs, 0);
  if (!close(summary.dirtyReadNs, readNs)) {
    p.push(`summary.dirtyReadNs ${summary.dirtyReadNs} != Σ rounds.readNs ${readNs}`);
  }
  const base = summary.dmaThroughputBaseline;
  const slowdown = base > 0 ? 1 - summary.dmaThroughput / base : 0;
  if (!close(summary.guestDmaSlowdown, slowdown)) {
    p.push(
      `summary.guestDmaSlowdown ${summary.guestDmaSlowdown} != 1 − dmaThroughput / ` +
        `dmaThroughputBaseline = ${slowdown}`,
    );
  }
  if (summary.dmaThroughputNoIommu < summary.dmaThroughput * (1 - 1e-12)) {
    p.push(
      `summary.dmaThroughputNoIommu ${summary.dmaThroughputNoIommu} < dmaThroughput ` +
        `${summary.dmaThroughput}: translation cannot make the device faster`,
    );
  }
  if (!close(summary.migrationMs, last.startMs + last.durationMs)) {
    p.push(`summary.migrationMs ${summary.migrationMs} != the end of the last record`);
  }
  const rate = summary.translations > 0 ? summary.iotlbMisses / summary.translations : 0;
  if (!close(summary.iotlbMissRate, rate)) {
    p.push(`summary.iotlbMissRate ${summary.iotlbMissRate} != iotlbMisses / translations`);
  }
  const peak = Math.max(...rounds.map((r) => r.pageTableBytes));
  if (summary.pageTableBytesPeak < peak) {
    p.push(`summary.pageTableBytesPeak ${summary.pageTableBytesPeak} < a round's ${peak}`);
  }
  if (!isUnsafeClear(config) && summary.lostWrites !== 0) {
    p.push(`${summary.lostWrites} lost writes under a safe policy`);
  }
  return p;
}

/** Throws SimContractError unless `result` keeps every rule; returns it otherwise. */
export function checkSimResult(result: SimResult): SimResult {
  const problems = simResultProblems(result);
  if (problems.length) throw new SimContractError(problems);
  return result;
}
