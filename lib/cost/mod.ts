// The cost layer's public API: pure models that turn the engine's counters
// into time. Guest DMA throughput (dma.ts, calibrated by calibration.ts) and
// dirty-read time (dirty_read.ts); the kernel's own flush rule lives with the
// IOMMU (../iommu/kernel_flush.ts), and so do the iova_bitmap window helpers.
// Nothing here touches functional state.
export {
  diffDmaCounters,
  type DmaCounters,
  type DmaEstimate,
  type DmaLimit,
  dmaThroughput,
  dmaThroughputNoIommu,
  type DmaTiming,
  dmaTimingFromConfig,
  meanLatencyNs,
} from "./dma.ts";
export {
  type DirtyReadCosts,
  dirtyReadNs,
  type DirtyReadWork,
  dirtyReadWork,
  dirtyReadWorkOf,
  type EntriesRead,
  entriesRead,
  type LeafRun,
  uniformEntriesRead,
} from "./dirty_read.ts";
export {
  CALIBRATION_FILE,
  CALIBRATION_SOURCE,
  type CalibrationRow,
  defaultTiming,
  engineReadCounters,
  findCalibrationData,
  fitDmaTiming,
  modelRatio,
  parseCalibrationCsv,
  type ResidualRow,
  residuals,
} from "./calibration.ts";
