// When nothing meets the limits: what would. Each suggestion is worked out
// from the sweep (the downtime the best candidate needed, the bandwidth that
// would send its last dirty set within the limit, the tolerance that would
// admit it) and then checked by running it, so the answer says whether the
// model agrees; device-side tracking (FACTS §3) is run as it stands.

import { formatBandwidth, formatDuration } from "../config/mod.ts";
import type { Candidate, SplitVariant } from "./grid.ts";
import type { Limits } from "./input.ts";
import { fmtPct, type GuestCost } from "./metrics.ts";
import type { Evaluated } from "./rank.ts";
import { shortName } from "./rank.ts";

export type WhatIfKind = "tolerance" | "downtime" | "bandwidth" | "device";

/** A change that might make a configuration meet the limits, and the run that checks it. */
export interface WhatIf {
  kind: WhatIfKind;
  candidate: Candidate;
  /** The changed limit, effective units (ms, bytes/s, a fraction); none for device. */
  value?: number;
  /** Config keys of the checking run (beyond the candidate's). */
  overrides: Record<string, unknown>;
  /** The limits the check is judged by. */
  limits: Limits;
  /** What would change, in words (before the check). */
  text: string;
  /** Filled in once checked (tolerance: from the sweep itself). */
  result?: Evaluated;
}

/** Device-side dirty tracking: the device logs its writes at 4 KiB; no IOMMU split or flush. */
export const DEVICE_VARIANT: SplitVariant = {
  id: "device",
  split: "none",
  lazyThreshold: 1,
  startBeforeMs: 0,
  label: "device",
  phrase: "with device-side dirty tracking (VFIO DMA logging at 4 KiB) instead of the IOMMU's",
};

/** Rounds up to two significant digits, so a suggestion reads "320ms", not "317.4ms". */
function niceUp(x: number): number {
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.ceil(x / p - 1e-9) * p;
}

const only = (e: Evaluated, kinds: string[]) => e.failures.every((f) => kinds.includes(f.kind));

/** The what-ifs worth checking, best candidate for each. */
export function whatIfs(
  evaluated: readonly Evaluated[],
  limits: Limits,
  guest: GuestCost,
): WhatIf[] {
  const out: WhatIf[] = [];
  const byTime = (a: Evaluated, b: Evaluated) => a.migrationMs.mean - b.migrationMs.mean;

  // A higher tolerance: the cheapest configuration that fails only on the guest.
  const costly = evaluated.filter((e) => e.runs > 0 && only(e, ["guest"]))
    .sort((a, b) => a.guest.max - b.guest.max || byTime(a, b));
  if (costly.length) {
    const e = costly[0];
    out.push({
      kind: "tolerance",
      candidate: e.candidate,
      value: e.guest.max,
      overrides: {},
      limits,
      text: `a guest tolerance of ${fmtPct(e.guest.max)} ${guest.label} (now ${
        fmtPct(guest.limit)
      }) would admit ${shortName(e.candidate)}`,
      result: { ...e, failures: [], meets: true },
    });
  }

  // A longer downtime limit or more bandwidth, for the configurations that
  // keep the guest's tolerance but do not converge or overrun the downtime.
  const slow = evaluated.filter((e) => e.runs > 0 && only(e, ["converge", "downtime"]))
    .sort((a, b) => a.downtimeMs.max - b.downtimeMs.max || byTime(a, b));
  if (slow.length) {
    const e = slow[0];
    const downtime = niceUp(e.downtimeMs.max * 1.05);
    out.push({
      kind: "downtime",
      candidate: e.candidate,
      value: downtime,
      overrides: { "migration.downtimeLimit": downtime },
      limits: { ...limits, downtimeMs: downtime },
      text: `a downtime limit of ${formatDuration(downtime)} (now ${
        formatDuration(limits.downtimeMs)
      }) for ${shortName(e.candidate)}`,
    });
    // Its last stop-and-copy took downtime D at bandwidth R: that data fits
    // the limit T at R·D/T. Faster rounds also dirty less, so it is checked.
    const bandwidth = niceUp(
      limits.bandwidthBytesPerSec * e.downtimeMs.max / limits.downtimeMs * 1.1,
    );
    out.push({
      kind: "bandwidth",
      candidate: e.candidate,
      value: bandwidth,
      overrides: { "migration.bandwidth": bandwidth },
      limits: { ...limits, bandwidthBytesPerSec: bandwidth },
      text: `a bandwidth of ${formatBandwidth(bandwidth)} (now ${
        formatBandwidth(limits.bandwidthBytesPerSec)
      }) for ${shortName(e.candidate)}`,
    });
  }

  // Device-side tracking at the largest page size: the guest keeps its huge
  // IOTLB entries and the device reports 4 KiB pages.
  const largest = evaluated.map((e) => e.candidate).sort((a, b) => b.pageSize - a.pageSize)[0];
  if (largest) {
    const candidate: Candidate = {
      id: `${largest.pageLabel}/device/round`,
      pageSize: largest.pageSize,
      pageLabel: largest.pageLabel,
      variant: DEVICE_VARIANT,
      clearBatch: "round",
    };
    out.push({
      kind: "device",
      candidate,
      overrides: { "tracking.mode": "device" },
      limits,
      text:
        `device-side dirty tracking (if the device supports VFIO DMA logging) at ${largest.pageLabel} IO pages`,
    });
  }
  return out;
}
