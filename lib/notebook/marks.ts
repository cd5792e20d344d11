// What the figures share, so each figure reads as its own marks and layout:
// the plot shell (Plot in linkedom, 11 px type), the light frame around each
// facet, the white halo that keeps text readable over lines, percent labels,
// and a figure's caption from sentences (empty ones dropped). Observable
// Plot's own habit: options objects with the defaults in one place.

import * as Plot from "@observablehq/plot";
import type { DomDocument, DomNode } from "./svg.ts";

/** The type size of every figure's plot and legends. */
export const FIGURE_STYLE = { fontSize: "11px" };

/** A white outline drawn under text, so labels stay readable over lines and marks. */
export const HALO = { stroke: "white", strokeWidth: 3, paintOrder: "stroke" } as const;

/** The light frame around each facet. */
export const frameMark = (): Plot.Markish => Plot.frame({ stroke: "#ccc" });

/** A fraction as a percent with `digits` significant digits: 0.0345 → "3.45%". */
export const percent = (v: number, digits: number): string => `${+(v * 100).toPrecision(digits)}%`;

/** Plot.plot into `document` with the figures' type size; the plot's <svg>. */
export function plotSvg(document: DomDocument, options: Plot.PlotOptions): DomNode {
  return Plot.plot(
    { document, style: FIGURE_STYLE, ...options } as Plot.PlotOptions,
  ) as unknown as DomNode;
}

/** A caption from sentences; empty ones (a part that does not apply) are left out. */
export const captionText = (sentences: readonly string[]): string =>
  sentences.filter(Boolean).join(" ");
