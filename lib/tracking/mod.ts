// The tracking layer's public API: split policies, device-side tracking, and
// the trackers the migration loop drives.
export type { DirtyReport, Tracker } from "./types.ts";
export { LOG_WRITTEN_SINCE_COPY, LOG_WRITTEN_SINCE_REPORT } from "./types.ts";
export { createSplitPolicy, SPLIT_POLICIES, type SplitPolicy } from "./split.ts";
export { createDeviceTracker } from "./device.ts";
export { createTracker, type TrackerContext } from "./trackers.ts";
export { popcount } from "./bitmap.ts";
export { clearPolicyOf, domainFromConfig, domainOptions, isUnsafeClear } from "./domain_options.ts";
