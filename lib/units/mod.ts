// The units layer's public API: reading and writing sizes, durations and
// rates. The bottom of the engine: config parses with it, iommu and workload
// format their messages with it, and it imports nothing.
export {
  formatBandwidth,
  formatDuration,
  formatEta,
  formatSize,
  formatSizeIn,
  parseBandwidth,
  parseDuration,
  parseOpsRate,
  parseSize,
  sizeUnit,
  UnitError,
} from "./units.ts";
