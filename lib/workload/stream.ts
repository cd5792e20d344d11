// `stream`: sequential sweeps over the working set's accessSize-aligned slots
// (source.ts), wrapping at the end, as a device copying a region over and
// over (a DMA engine, a storage controller streaming a file).

import { fillWrites, type OpSource, writeThreshold } from "./fixed_rate.ts";
import type { Rng } from "./rng.ts";
import { checkCommon, type CommonFields, slotCount, type SourceContext } from "./source.ts";
import type { DmaBatch, IovaRange } from "./types.ts";

export class StreamSource implements OpSource {
  readonly ranges: readonly IovaRange[];
  emittedBytes = 0;
  private readonly slots: number;
  private readonly writes: Rng;
  private readonly threshold: number;
  /** Slot of the next operation. */
  private slot = 0;

  constructor(private readonly c: CommonFields, ctx: SourceContext) {
    checkCommon(c, ctx);
    this.slots = slotCount(c);
    this.writes = ctx.stream("write");
    this.threshold = writeThreshold(c.writeFraction);
    this.ranges = [{ start: c.offset, end: c.offset + this.slots * c.accessSize }];
  }

  emit(batch: DmaBatch, start: number, n: number): void {
    const { offset, accessSize } = this.c;
    const slots = this.slots;
    const iova = batch.iova;
    const end = start + n;
    let slot = this.slot;
    for (let i = start; i < end; i++) {
      iova[i] = offset + slot * accessSize;
      if (++slot === slots) slot = 0;
    }
    this.slot = slot;
    batch.length.fill(accessSize, start, end);
    this.emittedBytes += n * accessSize;
    fillWrites(this.writes, batch.write, start, n, this.threshold);
  }
}
