// The tracking layer's public API: split policies, device-side tracking, and
// the trackers the migration loop drives.
export type { DirtyReport, Tracker } from "./types.ts";
export { WriteLog, type WriteLogOptions } from "./write_log.ts";
export { createSplitPolicy, SPLIT_POLICIES, type SplitPolicy } from "./split.ts";
export { createDeviceTracker } from "./device.ts";
export { createTracker, type TrackerContext } from "./trackers.ts";
export { popcount } from "./bitmap.ts";
export { clearPolicyOf, domainFromConfig, domainOptions, isUnsafeClear } from "./domain_options.ts";
