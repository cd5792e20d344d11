// Sweep progress: points done, runs per second and ETA. A cli-progress bar on
// a terminal, a plain line every few seconds otherwise (logs, CI), or a
// callback (a notebook's live view). Rates count only the points run now.
// `startDisplay` is the display for any progress record: local sweeps and
// shards (startProgress) and sweeps on Slurm (lib/distribute) use it.

import cliProgress from "cli-progress";
import { formatEta } from "../units/mod.ts";

export interface ProgressInfo {
  /** Points finished (run now or found in the store). */
  done: number;
  total: number;
  /** Points found in the store and not run again. */
  reused: number;
  failed: number;
  elapsedMs: number;
  /** Points run per second so far. */
  runsPerSec: number;
  /** Estimated seconds left, or null before the first point. */
  etaSec: number | null;
}

/** "auto": a bar on a terminal, plain lines otherwise. */
export type ProgressOption = "auto" | "bar" | "lines" | "none" | ((p: ProgressInfo) => void);

/** How a display shows progress records of type T. */
export type DisplayOption<T> = "auto" | "bar" | "lines" | "none" | ((p: T) => void);

export interface DisplaySetup<T> {
  /** The current progress; read on every update and by the line timer. */
  info: () => T;
  /** One plain line ("lines" mode). */
  line: (p: T) => string;
  /** The bar ("bar" mode): a cli-progress format, its value and total, and its payload. */
  bar: {
    format: string;
    value: (p: T) => number;
    total: (p: T) => number;
    payload: (p: T) => Record<string, unknown>;
  };
  /** Seconds between plain lines (default 5). */
  intervalSec?: number;
}

export interface Display {
  /** The progress changed: redraw the bar, or call the callback. */
  update(): void;
  /** The work ended: the last bar, line or callback, and no more. */
  stop(): void;
}

/** The display mode an option means here ("auto": a bar on a terminal, else lines). */
export function displayMode<T>(
  option: DisplayOption<T>,
): "bar" | "lines" | "none" | "callback" {
  if (typeof option === "function") return "callback";
  if (option === "auto") return Deno.stderr.isTerminal() ? "bar" : "lines";
  return option;
}

/**
 * Starts showing progress. In "lines" mode a line is printed at once, then
 * every interval by a timer for as long as the work runs (slow points or a
 * queued job still give a sign of life), and once more at stop if it
 * changed; stop ends the timer.
 */
export function startDisplay<T>(option: DisplayOption<T>, setup: DisplaySetup<T>): Display {
  const mode = displayMode(option);
  let stopped = false;
  if (mode === "bar") {
    const bar = new cliProgress.SingleBar({
      format: setup.bar.format,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    }, cliProgress.Presets.shades_classic);
    const p0 = setup.info();
    bar.start(setup.bar.total(p0), setup.bar.value(p0), setup.bar.payload(p0));
    const draw = () => {
      const p = setup.info();
      bar.setTotal(setup.bar.total(p));
      bar.update(setup.bar.value(p), setup.bar.payload(p));
    };
    return {
      update: () => {
        if (!stopped) draw();
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        draw();
        bar.stop();
      },
    };
  }
  if (mode === "lines") {
    let last = "";
    const print = () => {
      last = setup.line(setup.info());
      console.error(last);
    };
    print();
    const timer = setInterval(print, Math.max(0.05, setup.intervalSec ?? 5) * 1000);
    // A display someone forgot to stop must not keep the process alive.
    Deno.unrefTimer(timer);
    return {
      update: () => {},
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        if (setup.line(setup.info()) !== last) print();
      },
    };
  }
  if (mode === "callback") {
    const f = option as (p: T) => void;
    f(setup.info());
    return {
      update: () => {
        if (!stopped) f(setup.info());
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        f(setup.info());
      },
    };
  }
  return { update() {}, stop() {} };
}

export interface Progress {
  /** One more point finished. */
  tick(failed: boolean): void;
  stop(): void;
  info(): ProgressInfo;
}

/** One line of progress, as printed when not on a terminal. */
export function progressLine(p: ProgressInfo, label = "sweep"): string {
  return `${label}: ${p.done}/${p.total} points` +
    (p.reused ? ` (${p.reused} stored)` : "") +
    (p.failed ? `, ${p.failed} failed` : "") +
    `, ${p.runsPerSec.toFixed(p.runsPerSec < 10 ? 2 : 1)} runs/s, ETA ${formatEta(p.etaSec)}`;
}

export interface ProgressSetup {
  total: number;
  reused: number;
  label?: string;
  /** Seconds between plain lines (default 5). */
  intervalSec?: number;
}

export function startProgress(option: ProgressOption, setup: ProgressSetup): Progress {
  const t0 = performance.now();
  let ran = 0;
  let failed = 0;
  const label = setup.label ?? "sweep";
  const info = (): ProgressInfo => {
    const elapsedMs = performance.now() - t0;
    const runsPerSec = ran > 0 ? ran / (elapsedMs / 1000) : 0;
    const left = setup.total - setup.reused - ran;
    return {
      done: setup.reused + ran,
      total: setup.total,
      reused: setup.reused,
      failed,
      elapsedMs,
      runsPerSec,
      etaSec: ran > 0 ? left / runsPerSec : left === 0 ? 0 : null,
    };
  };
  const display = startDisplay(option, {
    info,
    line: (p) => progressLine(p, label),
    bar: {
      format:
        `${label} {bar} {value}/{total} points | {rate} runs/s | ETA {etaText} | failed {failed}`,
      value: (p) => p.done,
      total: (p) => p.total,
      payload: (p) => ({
        rate: p.runsPerSec.toFixed(2),
        etaText: formatEta(p.etaSec),
        failed: p.failed,
      }),
    },
    intervalSec: setup.intervalSec,
  });
  return {
    tick(isFailed: boolean) {
      ran++;
      if (isFailed) failed++;
      display.update();
    },
    stop: () => display.stop(),
    info,
  };
}
