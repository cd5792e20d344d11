// `ring`: a NIC's rx/tx descriptor ring. K buffers of bufferSize bytes are
// used strictly in order 0, 1, ..., K−1, 0, ...; each buffer is filled by
// ceil(bufferSize/accessSize) operations of at most accessSize bytes (the last
// one shorter when accessSize does not divide bufferSize; one operation of
// bufferSize bytes when accessSize ≥ bufferSize). So a buffer is reused every
// K buffers, as a driver reposts rx buffers in ring order.
// Placement: buffer b starts at offset + b·stride with
// stride = bufferSize·floor(workingSet / (K·bufferSize)): the buffers are
// spread evenly over the working set, bufferSize-aligned relative to offset
// (as a page-pool-backed ring scatters its buffers), and contiguous when
// K·bufferSize = workingSet.

import type { WorkloadConfig } from "../config/mod.ts";
import { formatSize } from "../units/mod.ts";
import { WorkloadError } from "./errors.ts";
import { type OpSource, writeThreshold } from "./fixed_rate.ts";
import type { Rng } from "./rng.ts";
import { checkCommon, type SourceContext } from "./source.ts";
import type { DmaBatch, IovaRange } from "./types.ts";

export type RingFields = Pick<
  Extract<WorkloadConfig, { kind: "ring" }>,
  "writeFraction" | "accessSize" | "workingSet" | "offset" | "buffers" | "bufferSize"
>;

/** Where buffer b starts: offset + b·stride. */
export function ringStride(c: RingFields): number {
  return c.bufferSize * Math.floor(c.workingSet / (c.buffers * c.bufferSize));
}

export class RingSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  emittedBytes = 0;
  readonly stride: number;
  /** Operations that fill one buffer. */
  readonly opsPerBuffer: number;
  private readonly writes: Rng;
  private readonly threshold: number;
  private buffer = 0;
  private chunk = 0;

  constructor(private readonly c: RingFields, ctx: SourceContext) {
    checkCommon(c, ctx);
    if (!Number.isSafeInteger(c.buffers) || c.buffers < 1) {
      throw new WorkloadError(`${ctx.key}.buffers: ${c.buffers} is not an integer >= 1`);
    }
    if (!Number.isSafeInteger(c.bufferSize) || c.bufferSize < 1) {
      throw new WorkloadError(`${ctx.key}.bufferSize: ${c.bufferSize} is not a size >= 1 byte`);
    }
    if (c.buffers * c.bufferSize > c.workingSet) {
      throw new WorkloadError(
        `${ctx.key}.buffers: ${c.buffers} buffers of ${formatSize(c.bufferSize)} do not fit ` +
          `${ctx.key}.workingSet ${formatSize(c.workingSet)}`,
      );
    }
    this.stride = ringStride(c);
    this.opsPerBuffer = Math.ceil(c.bufferSize / c.accessSize);
    this.writes = ctx.stream("write");
    this.threshold = writeThreshold(c.writeFraction);
    this.ranges = this.stride === c.bufferSize
      ? [{ start: c.offset, end: c.offset + c.buffers * c.bufferSize }]
      : Array.from({ length: c.buffers }, (_, b) => ({
        start: c.offset + b * this.stride,
        end: c.offset + b * this.stride + c.bufferSize,
      }));
  }

  /** Bytes of the first k operations from a buffer's start (k may span buffers). */
  private bytesBefore(k: number): number {
    const chunks = this.opsPerBuffer, { accessSize, bufferSize } = this.c;
    const inBuffer = k % chunks;
    return Math.floor(k / chunks) * bufferSize + Math.min(inBuffer * accessSize, bufferSize);
  }

  emit(batch: DmaBatch, start: number, n: number): void {
    const { offset, accessSize, bufferSize, buffers } = this.c;
    const stride = this.stride, chunks = this.opsPerBuffer;
    const iova = batch.iova, length = batch.length;
    const end = start + n;
    let buffer = this.buffer, chunk = this.chunk;
    // Payload bytes in O(1) rather than a sum in the loop: n operations from
    // chunk c cover whole buffers of bufferSize bytes and two partial ones.
    this.emittedBytes += this.bytesBefore(chunk + n) - this.bytesBefore(chunk);
    // The write flags from their own stream, in the same pass, drawn even for
    // writeFraction 0 or 1: r < threshold is then never or always true, and
    // the stream's state is no one else's (a branch would cost every
    // operation).
    const write = batch.write, threshold = this.threshold;
    const wr = this.writes;
    let w0 = wr.s0, w1 = wr.s1, w2 = wr.s2, w3 = wr.s3;
    for (let i = start; i < end; i++) {
      const within = chunk * accessSize;
      iova[i] = offset + buffer * stride + within;
      const rest = bufferSize - within;
      length[i] = rest < accessSize ? rest : accessSize;
      if (++chunk === chunks) {
        chunk = 0;
        if (++buffer === buffers) buffer = 0;
      }
      // xoshiro128** step of the write stream (fillWrites, inlined).
      const mw = Math.imul(w1, 5);
      const rw = Math.imul((mw << 7) | (mw >>> 25), 9) >>> 0;
      const tw = w1 << 9;
      w2 ^= w0;
      w3 ^= w1;
      w1 ^= w2;
      w0 ^= w3;
      w2 ^= tw;
      w3 = (w3 << 11) | (w3 >>> 21);
      write[i] = +(rw < threshold); // a setcc, no branch
    }
    this.buffer = buffer;
    this.chunk = chunk;
    wr.s0 = w0;
    wr.s1 = w1;
    wr.s2 = w2;
    wr.s3 = w3;
  }
}
