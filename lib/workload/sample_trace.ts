// The sample trace in data/traces/: SYNTHETIC, not recorded from hardware. It
// imitates the DMA of one NIC queue pair: packets arrive as a Poisson process,
// each is written into the next 2 KiB rx buffer of a 256-entry ring (two
// buffers per 4 KiB page, the pages scattered over a 64 MiB pool as a page
// pool hands them out) and completed by a 16-byte descriptor write-back; every
// second packet is answered by a transmit: the NIC reads the tx descriptor and
// the frame, then writes the completion back. Frame sizes follow the "simple
// IMIX" 7:4:1 mix of 40, 576 and 1500-byte IP packets (plus a 14-byte
// Ethernet header; the NIC strips the FCS). scripts/make_trace.ts writes it.

import { Rng } from "./rng.ts";

export interface TraceRows {
  time: number[];
  iova: number[];
  length: number[];
  write: number[];
}

export interface NicTraceOptions {
  seed?: number;
  /** Received packets. */
  packets?: number;
  /** Mean packet arrival rate, packets/s. */
  packetsPerSecond?: number;
}

const KiB = 1024, MiB = 1024 * KiB;
const RING = 256;
const DESC = 16;
const BUF = 2 * KiB;
const RX_DESC_BASE = 16 * MiB;
const TX_DESC_BASE = RX_DESC_BASE + RING * DESC;
const TX_BUF_BASE = 32 * MiB;
const POOL_BASE = 64 * MiB;
const POOL_PAGES = (64 * MiB) / (4 * KiB);
const IMIX_IP_BYTES = [40, 576, 1500];
const IMIX_WEIGHTS = [7, 4, 1];
const ETH_HEADER = 14;
const WRITEBACK_NS = 64;
const TX_AFTER_NS = 2000;

/** The synthetic NIC trace as rows in time order (ties keep generation order). */
export function makeNicTrace(opts: NicTraceOptions = {}): TraceRows {
  const seed = opts.seed ?? 1;
  const packets = opts.packets ?? 500;
  const meanGapNs = 1e9 / (opts.packetsPerSecond ?? 1e6);
  const rng = Rng.fromSeed(seed, "sample-trace", "nic");

  // RING/2 distinct pool pages, two rx buffers each.
  const pages = new Set<number>();
  while (pages.size < RING / 2) pages.add(rng.nextBelow(POOL_PAGES));
  const page = [...pages];
  const rxBuffer = (b: number) => POOL_BASE + page[b >> 1] * 4 * KiB + (b & 1) * BUF;

  const events: { time: number; seq: number; iova: number; length: number; write: number }[] = [];
  const add = (time: number, iova: number, length: number, write: number) =>
    events.push({ time, seq: events.length, iova, length, write });
  const frameBytes = () => {
    let r = rng.nextBelow(12);
    let i = 0;
    while (r >= IMIX_WEIGHTS[i]) r -= IMIX_WEIGHTS[i++];
    return IMIX_IP_BYTES[i] + ETH_HEADER;
  };

  let t = 0;
  let tx = 0;
  for (let p = 0; p < packets; p++) {
    t += Math.round(-Math.log(1 - rng.nextFloat()) * meanGapNs);
    const slot = p % RING;
    const frame = frameBytes();
    add(t, rxBuffer(slot), frame, 1);
    add(t + WRITEBACK_NS, RX_DESC_BASE + slot * DESC, DESC, 1);
    if (p % 2 === 1) {
      const txSlot = tx++ % RING;
      const start = t + TX_AFTER_NS;
      add(start, TX_DESC_BASE + txSlot * DESC, DESC, 0);
      add(start + 100, TX_BUF_BASE + txSlot * BUF, frameBytes(), 0);
      add(start + 500, TX_DESC_BASE + txSlot * DESC, DESC, 1);
    }
  }
  events.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return {
    time: events.map((e) => e.time),
    iova: events.map((e) => e.iova),
    length: events.map((e) => e.length),
    write: events.map((e) => e.write),
  };
}

/** CSV text: header `time,iova,length,write`, decimal integers, write as 0/1. */
export function traceRowsToCsv(rows: TraceRows): string {
  const lines = ["time,iova,length,write"];
  for (let i = 0; i < rows.time.length; i++) {
    lines.push(`${rows.time[i]},${rows.iova[i]},${rows.length[i]},${rows.write[i]}`);
  }
  return lines.join("\n") + "\n";
}
