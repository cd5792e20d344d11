// The engine's public API: what notebooks and scripts import. A notebook never
// reaches into a folder's private file; each folder's mod.ts is its API.
export * from "./config/mod.ts";
export { type Vendor, vendor, VENDOR_NAMES, type VendorName, VENDORS } from "./iommu/vendors.ts";
export * from "./notebook/mod.ts";
