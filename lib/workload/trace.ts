// `trace`: replay of a recorded (or synthetic) DMA trace, row by row at the
// row's own time. With `loop`, the trace repeats shifted in time by its
// period P = (t_last − t_first) + (t_last − t_first)/(rows − 1): the span
// plus one mean gap, so the first row of repetition j+1 comes one mean gap
// after the last row of repetition j. The file gives time, address, length
// and direction, so the common fields (rate, writeFraction, accessSize,
// workingSet, offset) do not apply to this kind.

import { WorkloadError } from "./errors.ts";
import { batchCapacity } from "./batch.ts";
import type { TraceData } from "./trace_file.ts";
import type { IovaRange, WorkloadBatch, WorkloadGenerator } from "./types.ts";

/** The loop period of a trace, ns (see the file's note); undefined when it has none. */
export function tracePeriodNs(t: TraceData): number | undefined {
  const span = t.timeNs[t.rows - 1] - t.timeNs[0];
  if (!(span > 0)) return undefined;
  return span + span / (t.rows - 1);
}

export class TraceGenerator implements WorkloadGenerator {
  readonly kind = "trace";
  readonly ranges: readonly IovaRange[];
  /** The loop period, ns (0 for a trace that cannot loop and does not). */
  readonly periodNs: number;
  private row = 0;
  private repetition = 0;
  private count = 0;
  private bytes = 0;

  constructor(private readonly trace: TraceData, private readonly loop: boolean) {
    const period = tracePeriodNs(trace);
    if (loop && period === undefined) {
      throw new WorkloadError(
        `${trace.path}: cannot loop a trace whose rows all have the same time; set loop: false`,
      );
    }
    // Without a loop the shift stays 0·period, so a trace with no period is fine.
    this.periodNs = period ?? 0;
    let lo = Infinity, hi = 0;
    for (let r = 0; r < trace.rows; r++) {
      lo = Math.min(lo, trace.iova[r]);
      hi = Math.max(hi, trace.iova[r] + trace.length[r]);
    }
    this.ranges = [{ start: lo, end: hi }];
  }

  get nowNs(): number {
    if (this.row === this.trace.rows) {
      return this.loop ? this.trace.timeNs[0] + (this.repetition + 1) * this.periodNs : Infinity;
    }
    return this.trace.timeNs[this.row] + this.repetition * this.periodNs;
  }

  get issued(): number {
    return this.count;
  }

  get issuedBytes(): number {
    return this.bytes;
  }

  fill(batch: WorkloadBatch, untilNs: number): number {
    if (Number.isNaN(untilNs)) throw new RangeError("fill: untilNs is NaN");
    const capacity = batchCapacity(batch);
    const { rows, timeNs, iova, length, write } = this.trace;
    const times = batch.timeNs;
    const loop = this.loop, period = this.periodNs;
    let row = this.row, repetition = this.repetition;
    let shift = repetition * period;
    let n = 0, bytes = 0;
    while (n < capacity) {
      if (row === rows) {
        if (!loop) break;
        row = 0;
        repetition++;
        shift = repetition * period;
      }
      const t = timeNs[row] + shift;
      if (!(t < untilNs)) break;
      batch.iova[n] = iova[row];
      batch.length[n] = length[row];
      bytes += length[row];
      batch.write[n] = write[row];
      if (times !== undefined) times[n] = t;
      n++;
      row++;
    }
    // Leave a finished repetition as (rows, j) rather than (0, j + 1) so that
    // nowNs and the next fill agree either way.
    this.row = row;
    this.repetition = repetition;
    this.count += n;
    this.bytes += bytes;
    return n;
  }
}
