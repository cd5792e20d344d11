// The hardware layer's public API: IOMMU vendors as data (levels, leaf sizes,
// A/D bit positions, how tracking is enabled) and their PTE encodings. It sits
// below config (which validates vendor names) and iommu (which models them),
// and imports nothing of the engine.
export {
  decodePte,
  type DirtyEncoding,
  type DirtyWalkStyle,
  encodePte,
  type LeafPte,
  type Vendor,
  vendor,
  VENDOR_NAMES,
  type VendorName,
  VENDORS,
} from "./vendors.ts";
