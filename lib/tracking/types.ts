// The tracker contract: how the migration loop learns which 4 KiB pages to
// resend at a round boundary, whatever does the tracking (the IOMMU's Dirty
// bits, the device's own log, or nothing). The migration loop owns the clock;
// trackers only react to start, report and stop.

export interface DirtyReport {
  /** One bit per 4 KiB page of guest memory, kernel bitmap layout (bit k&7 of byte k>>3). */
  bitmap: Uint8Array;
  /** Bytes the migration must send for this report. */
  dirtyBytes: number;
}

export interface Tracker {
  readonly mode: "iommu" | "device" | "none";
  /** Tracking begins (tracking.startBefore ahead of migration, or at its start). */
  start(): void;
  /** Read and clear the dirty set at a round boundary. */
  report(): DirtyReport;
  /** Migration has ended. */
  stop(): void;
}
