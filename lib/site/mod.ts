// The site layer's public API: the static site (`deno task site`), its
// preview server, the commands that rerun a stored run, and the reproduction
// and publishing of figures (`deno task reproduce`, `deno task publish`).
export {
  buildSite,
  type Dataset,
  NOTEBOOK_OUT_DIR,
  reproduceCommand,
  SITE_DIR,
  SiteError,
  type SiteOptions,
  type SiteResult,
} from "./build.ts";
export { MIME_TYPES, serveSite, type SiteServer } from "./serve.ts";
export { DENO, overridesFrom, rerunWithConfig, rerunWithOverrides, shellQuote } from "./rerun.ts";
export {
  compareMetric,
  formatReport,
  type MetricDiff,
  reproduce,
  ReproduceInputError,
  type ReproduceOptions,
  type ReproduceReport,
  resolveTarget,
  TOLERANCES,
} from "./reproduce.ts";
export {
  headlineNumbers,
  headlineSentence,
  oneLine,
  readmePublishedIds,
  updateReadme,
} from "./headline.ts";
export { publish, type PublishOptions, type PublishResult, publishSweep } from "./publish.ts";
