// The notebook layer's public API: figures as SVG strings (Observable Plot in
// linkedom), their data as pure functions, Jupyter display helpers, and the
// notebook runner.
export {
  frontierPlot,
  type FrontierPlotOptions,
  roundsPlot,
  type RoundsPlotOptions,
} from "./plots.ts";
export * from "./validation_plots.ts";
export {
  type Accessor,
  aggregateConfigs,
  type AggregateOptions,
  type ConfigPoint,
  frontierByPageSize,
  paretoFrontier,
  sortClearBatches,
} from "./frontier_data.ts";
export { resultRow, type Row, type RowsInput, toRounds, toRows } from "./rows.ts";
// The parts of a figure, for figures drawn outside this folder (advise's).
export {
  byteTicks,
  composeFigure,
  formatBytesIn,
  type LegendEntry,
  legendSvg,
  newDocument,
} from "./svg.ts";
export {
  colorsFor,
  frameMark,
  HALO,
  MORE_POLICY_COLORS,
  PALETTE,
  plotSvg,
  POLICY_COLORS,
  SYMBOLS,
} from "./marks.ts";
export {
  NOTEBOOK_COMMAND_ENV,
  notebookCommand,
  type QueryableSweep,
  simSource,
  sourcesOf,
  sweepRounds,
  sweepSource,
  type SweptData,
} from "./provenance.ts";
export {
  type Displayable,
  JUPYTER_DISPLAY,
  type LiveProgress,
  markdown,
  type MimeBundle,
  progress,
  type ProgressOptions,
  type ProgressState,
  progressText,
  show,
  type Shown,
  table,
  type TableOptions,
} from "./display.ts";
export {
  barPlot,
  type BarPlotOptions,
  type CategoryChannel,
  type Field,
  type FigureOptions,
  formatValue,
  type HeatmapOptions,
  heatmapPlot,
  linePlot,
  type LinePlotOptions,
  type ReferenceLines,
  type ValueChannel,
  type ValueFormat,
} from "./analysis_plots.ts";
