// What the figures share, so each figure reads as its own marks and layout:
// the plot shell (Plot in linkedom, 11 px type), the colours and symbols of
// categories, the light frame around each facet, the white halo that keeps
// text readable over lines, percent and millisecond labels, and a figure's
// caption from sentences (empty ones dropped). Observable Plot's own habit:
// options objects with the defaults in one place.

import * as Plot from "@observablehq/plot";
import type { DomDocument, DomNode } from "./svg.ts";

/** The type size of every figure's plot and legends. */
export const FIGURE_STYLE = { fontSize: "11px" };

/** The split policies' colours in every figure (from Observable's categorical palette). */
export const POLICY_COLORS: Readonly<Record<string, string>> = {
  none: "#4269d0",
  eager: "#ff725c",
  lazy: "#3ca951",
};

/** Observable's categorical palette ("observable10"), for series without a fixed colour. */
export const PALETTE: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/**
 * The rest of PALETTE, in the order further split policies (or advise's
 * variants) take them, so that none is drawn in a policy's colour.
 */
export const MORE_POLICY_COLORS: readonly string[] = [
  "#efb118",
  "#a463f2",
  "#9c6b4e",
  "#ff8ab7",
  "#6cc5b0",
  "#97bbf5",
  "#9498a0",
];

/** Plot's symbols in the order categories take them. */
export const SYMBOLS: readonly string[] = [
  "circle",
  "square",
  "triangle",
  "diamond",
  "star",
  "cross",
  "wye",
  "hexagon",
];

/** A colour per key: its own from `fixed`, else the next of `more`, in turn. */
export function colorsFor(
  keys: readonly string[],
  fixed: Readonly<Record<string, string>>,
  more: readonly string[],
): string[] {
  let next = 0;
  return keys.map((k) => fixed[k] ?? more[next++ % more.length]);
}

/** A white outline drawn under text, so labels stay readable over lines and marks. */
export const HALO = { stroke: "white", strokeWidth: 3, paintOrder: "stroke" } as const;

/** The light frame around each facet. */
export const frameMark = (): Plot.Markish => Plot.frame({ stroke: "#ccc" });

/** A fraction as a percent with `digits` significant digits: 0.0345 → "3.45%". */
export const percent = (v: number, digits: number): string => `${+(v * 100).toPrecision(digits)}%`;

/** A duration in ms with 3 significant digits, in its unit: "250 µs", "12.5 ms", "2.5 s". */
export function formatMs(ms: number): string {
  if (ms === 0) return "0";
  if (Math.abs(ms) < 1) return `${+(ms * 1000).toPrecision(3)} µs`;
  if (Math.abs(ms) >= 1000) return `${+(ms / 1000).toPrecision(3)} s`;
  return `${+ms.toPrecision(3)} ms`;
}

/** Plot.plot into `document` with the figures' type size; the plot's <svg>. */
export function plotSvg(document: DomDocument, options: Plot.PlotOptions): DomNode {
  return Plot.plot(
    { document, style: FIGURE_STYLE, ...options } as Plot.PlotOptions,
  ) as unknown as DomNode;
}

/** A caption from sentences; empty ones (a part that does not apply) are left out. */
export const captionText = (sentences: readonly string[]): string =>
  sentences.filter(Boolean).join(" ");

/** The caption's last sentence, naming the data's provenance; "" without one. */
export const sourceSentence = (source?: string): string => source ? `Data: ${source}.` : "";
