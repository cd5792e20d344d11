// Sweep progress: points done, runs per second and ETA. A cli-progress bar on
// a terminal, a plain line every few seconds otherwise (logs, CI), or a
// callback (a notebook's live view). Rates count only the points run now,
// not those reused from the store.

import cliProgress from "cli-progress";

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

export interface Progress {
  /** One more point finished. */
  tick(failed: boolean): void;
  stop(): void;
  info(): ProgressInfo;
}

export function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "?";
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
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
  const mode = option === "auto"
    ? (Deno.stderr.isTerminal() ? "bar" : "lines")
    : typeof option === "function"
    ? "callback"
    : option;

  let onTick = () => {};
  let onStop = () => {};
  if (mode === "bar") {
    const bar = new cliProgress.SingleBar({
      format:
        `${label} {bar} {value}/{total} points | {rate} runs/s | ETA {etaText} | failed {failed}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    }, cliProgress.Presets.shades_classic);
    const payload = () => {
      const p = info();
      return { rate: p.runsPerSec.toFixed(2), etaText: formatEta(p.etaSec), failed: p.failed };
    };
    bar.start(setup.total, setup.reused, payload());
    onTick = () => bar.update(info().done, payload());
    onStop = () => bar.stop();
  } else if (mode === "lines") {
    const every = (setup.intervalSec ?? 5) * 1000;
    let last = performance.now();
    console.error(progressLine(info(), label));
    onTick = () => {
      const now = performance.now();
      if (now - last >= every) {
        last = now;
        console.error(progressLine(info(), label));
      }
    };
    onStop = () => console.error(progressLine(info(), label));
  } else if (mode === "callback") {
    const f = option as (p: ProgressInfo) => void;
    f(info());
    onTick = () => f(info());
    onStop = () => {};
  }
  return {
    tick(isFailed: boolean) {
      ran++;
      if (isFailed) failed++;
      onTick();
    },
    stop: () => onStop(),
    info,
  };
}
