// The three tracking modes behind one interface (MODEL.md §5, §7, §8):
// `iommu` reads and clears the IOMMU's Dirty bits through the iommufd-style
// API with a split policy; `device` is the device's own log; `none` means
// every DMA-mapped page counts as dirty at every sync (QEMU without dirty
// tracking: hw/vfio/common.c), so only a small guest can converge.

import type { RunConfig } from "../config/mod.ts";
import type { Domain } from "../iommu/types.ts";
import { popcount } from "./bitmap.ts";
import { createDeviceTracker } from "./device.ts";
import { createSplitPolicy } from "./split.ts";
import type { DirtyReport, Tracker } from "./types.ts";
import type { WriteLog } from "./write_log.ts";

export interface TrackerContext {
  config: RunConfig;
  domain: Domain;
  /** The write log the domain marks (a device tracker reads its since-report plane). */
  log: WriteLog;
}

function iommuTracker({ config, domain }: TrackerContext): Tracker {
  const policy = createSplitPolicy(config);
  const length = config.guest.memory;
  const onDirtyLeaf = policy.onDirtyLeaf?.bind(policy);
  return {
    mode: "iommu",
    start() {
      domain.setDirtyTracking(true);
      policy.onStart(domain);
    },
    report(): DirtyReport {
      const bitmap = domain.getDirtyBitmap({ iova: 0, length, pageSize: 4096, onDirtyLeaf });
      policy.afterRead(domain);
      return { bitmap, dirtyBytes: popcount(bitmap, length / 4096) * 4096 };
    },
    stop() {
      policy.onStop(domain);
      domain.setDirtyTracking(false);
    },
  };
}

function deviceTracker({ config, log }: TrackerContext): Tracker {
  const d = config.tracking.device;
  return createDeviceTracker({
    log,
    ranges: [{ start: 0, end: config.guest.memory }],
    pageSize: d.pageSize,
    maxRanges: d.maxRanges,
    kind: d.log,
    ringEntries: d.ringEntries,
  });
}

function noTracker({ config }: TrackerContext): Tracker {
  const pages = config.guest.memory / 4096;
  const all = new Uint8Array((pages + 7) >> 3).fill(0xff);
  if (pages & 7) all[all.length - 1] = (1 << (pages & 7)) - 1;
  return {
    mode: "none",
    start() {},
    report: () => ({ bitmap: all.slice(), dirtyBytes: pages * 4096 }),
    stop() {},
  };
}

const TRACKERS: Readonly<Record<string, (ctx: TrackerContext) => Tracker>> = {
  iommu: iommuTracker,
  device: deviceTracker,
  none: noTracker,
};

/** The tracker for `tracking.mode`; an unknown mode lists the known ones. */
export function createTracker(ctx: TrackerContext): Tracker {
  const make = TRACKERS[ctx.config.tracking.mode];
  if (!make) {
    throw new Error(
      `unknown tracking mode "${ctx.config.tracking.mode}": known modes are ${
        Object.keys(TRACKERS).join(", ")
      }`,
    );
  }
  return make(ctx);
}
