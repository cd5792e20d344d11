// The engine's public API: what notebooks and scripts import. A notebook never
// reaches into a folder's private file; each folder's mod.ts is its API.
export * from "./config/mod.ts";
export * from "./iommu/mod.ts";
export * from "./workload/mod.ts";
export * from "./tracking/mod.ts";
export * from "./cost/mod.ts";
export * from "./migration/mod.ts";
export * from "./notebook/mod.ts";
export * from "./store/mod.ts";
export * from "./sweep/mod.ts";
export * from "./distribute/mod.ts";
export * from "./queries/mod.ts";
