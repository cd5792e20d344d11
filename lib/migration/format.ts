// Human-readable text of a simulation: the summary with units and the
// per-round series, for `deno task sim` and notebooks.

import { formatBandwidth, formatSize } from "../config/mod.ts";
import type { SimResult } from "./types.ts";

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ms = (x: number) => x >= 1000 ? `${(x / 1000).toFixed(3)} s` : `${x.toFixed(2)} ms`;
const count = (x: number) => x.toLocaleString("en-US");
const bytes = (x: number) => `${formatSize(x)} (${count(x)} B)`;
const rate = (x: number) => `${formatBandwidth(x)} (${(x * 8 / 1e9).toFixed(2)} Gbit/s)`;
const us = (ns: number) => ns >= 1e6 ? ms(ns / 1e6) : `${(ns / 1e3).toFixed(1)} µs`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  ).join("\n");
}

export function formatResult({ config, summary: s, rounds }: SimResult): string {
  const c = config;
  const head =
    `${c.iommu.vendor} ${formatSize(c.iommu.pageSize)} pages, tracking ${c.tracking.mode}` +
    (c.tracking.mode === "iommu"
      ? `, split ${c.tracking.split}, clearBatch ${c.tracking.clearBatch}` +
        (c.tracking.unsafeSkipFlush ? ", UNSAFE skip flush" : "")
      : "") +
    `; ${c.workload.kind} workload over ${formatSize(c.workload.workingSet)}; guest ${
      formatSize(c.guest.memory)
    }; seed ${c.seed}`;
  const summary = table([
    ["metric", "value"],
    ["iotlbMissRate", pct(s.iotlbMissRate)],
    ["iotlbMissRateBaseline", pct(s.iotlbMissRateBaseline)],
    ["bytesTransferred", bytes(s.bytesTransferred)],
    ["dirtyBytesTransferred", bytes(s.dirtyBytesTransferred)],
    ["rounds", String(s.rounds)],
    ["converged", s.converged ? "yes" : "NO (maxRounds reached)"],
    ["downtimeMs", ms(s.downtimeMs)],
    ["migrationMs", ms(s.migrationMs)],
    ["invalidations", count(s.invalidations)],
    ["domainFlushes", count(s.domainFlushes)],
    ["invalidationNs", count(Math.round(s.invalidationNs))],
    ["splits", count(s.splits)],
    ["collapses", count(s.collapses)],
    ["pageTableBytesPeak", bytes(s.pageTableBytesPeak)],
    ["walkMemoryAccesses", count(s.walkMemoryAccesses)],
    ["translations", count(s.translations)],
    ["iotlbMisses", count(s.iotlbMisses)],
    ["lostWrites", s.lostWrites === 0 ? "0" : `${count(s.lostWrites)}  <-- pages lost!`],
    ["dmaThroughput", rate(s.dmaThroughput)],
    ["dmaThroughputBaseline", rate(s.dmaThroughputBaseline)],
    ["dmaThroughputNoIommu", rate(s.dmaThroughputNoIommu)],
    ["guestDmaSlowdown", pct(s.guestDmaSlowdown)],
    ["dirtyReadNs", `${count(Math.round(s.dirtyReadNs))} (${us(s.dirtyReadNs)})`],
  ]);
  const perRound = table([
    [
      "round",
      "start",
      "duration",
      "sent",
      "dirty found",
      "miss rate",
      "invalidations",
      "domain flushes",
      "splits",
      "DMA throughput",
      "read",
    ],
    ...rounds.map((r) => [
      r.stopAndCopy ? `${r.round} (stop)` : String(r.round),
      ms(r.startMs),
      ms(r.durationMs),
      formatSize(r.bytesSent),
      formatSize(r.dirtyBytes),
      r.translations ? pct(r.iotlbMisses / r.translations) : "-",
      count(r.invalidations),
      count(r.domainFlushes),
      count(r.splits),
      r.dmaThroughput ? formatBandwidth(r.dmaThroughput) : "-",
      r.readNs ? us(r.readNs) : "-",
    ]),
  ]);
  return `${head}\n\n${summary}\n\n${perRound}\n`;
}
