// Shared bits of the store, sweep and distribution tests: the fake engine's URL, temporary stores,
// running the command-line scripts as separate processes, and reading a store
// in a form two stores can be compared by (without what differs run to run:
// sweep ids and wall times).

import { queryRows } from "../store/mod.ts";

export const FAKE_ENGINE = new URL("./fake_engine.ts", import.meta.url).href;
export const ROOT = new URL("../../", import.meta.url).pathname;

export async function tempDir(prefix = "sweep-test-"): Promise<string> {
  return await Deno.makeTempDir({ prefix });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run -A scripts/<script>.ts args...` from the project root, or
 * from `cwd` (the script is still the project's).
 */
export async function cli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  cwd = ROOT,
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}.ts`, ...args],
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Starts a script without waiting; stdout and stderr piped. */
export function spawnCli(script: string, args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `scripts/${script}.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Reads lines of a stream until `pred` holds for one and returns it; the rest
 * of the stream is drained in the background, so the writer never blocks.
 */
export async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  pred: (line: string) => boolean,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the line came; got:\n${buf}`);
    buf += value;
    const hit = buf.split("\n").slice(0, -1).find(pred);
    if (hit) {
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return hit;
    }
  }
}

/** Runs and rounds of a store, sorted, without sweep ids and wall times. */
export async function comparable(store: string) {
  const runs = await queryRows(
    `SELECT * EXCLUDE (sweep_id, wall_ms, error) , error IS NOT NULL AS has_error
     FROM runs ORDER BY run_key`,
    { store },
  );
  const rounds = await queryRows(`SELECT * FROM rounds ORDER BY run_key, round`, { store });
  return { runs: runs.rows, rounds: rounds.rows };
}

/**
 * The number of runs, distinct run keys and ok runs, and how many ok runs are
 * torn: their round records are not summary.rounds + 1 (the pre-copy rounds
 * and the stop-and-copy, as simulate() returns them).
 */
export async function integrity(store: string) {
  const r = await queryRows(
    `SELECT count(*) AS runs, count(DISTINCT run_key) AS keys,
       count(*) FILTER (WHERE status = 'ok') AS ok,
       (SELECT count(*) FROM runs x WHERE status = 'ok'
          AND x.rounds + 1 <> (SELECT count(*) FROM rounds y WHERE y.run_key = x.run_key)) AS torn
     FROM runs`,
    { store },
  );
  return r.rows[0] as { runs: number; keys: number; ok: number; torn: number };
}
