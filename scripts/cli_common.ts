// Shared bits of the command-line entry points: parsing a commander program
// or exiting (2 on bad usage, 0 after --help), the one-line error and exit
// code an error class maps to, Ctrl-C as an AbortSignal, and reading a config
// file as usage input (a missing or malformed file is exit code 2).

import type { Command } from "commander";
import { ConfigFileError, readConfigFile as readConfig } from "../lib/config/mod.ts";

/** Bad command-line input: printed as a one-line message, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `args` with `program` (made with exitOverride()); when commander
 * refuses them it has printed why: exit 2 (0 after --help or --version).
 */
export function parseOrExit(program: Command, args: string[] = Deno.args): void {
  try {
    program.parse(["deno", program.name(), ...args]);
  } catch (e) {
    Deno.exit((e as { exitCode?: number }).exitCode === 0 ? 0 : 2);
  }
}

/**
 * Prints `name: message` and exits with the code `codeOf` gives the error;
 * an error it gives no code (a bug) is rethrown, with its stack. Every
 * script's errors end here, so each says in one place which code is which.
 * `show` makes a message of several lines one (the whole of it, or its first
 * line where the rest is context, as DuckDB's SQL errors add).
 */
export function exitOnError(
  name: string,
  e: unknown,
  codeOf: (e: unknown) => number | undefined,
  show: (message: string) => string = (m) => m,
): never {
  const code = codeOf(e);
  if (code === undefined) throw e;
  console.error(`${name}: ${show((e as Error).message)}`);
  Deno.exit(code);
}

/** A message of several lines as one: its lines joined by spaces. */
export const joinLines = (message: string) => message.split("\n").join(" ");

/** A message's first line. */
export const firstLine = (message: string) => message.split("\n")[0];

/** Reads a JSON config file; a missing or malformed file is a UsageError. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  try {
    return await readConfig(path);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * An AbortSignal that SIGINT or SIGTERM aborts, after printing `message`. A
 * terminal's Ctrl-C reaches every process of the group, and `deno task` (or
 * npx) passes it on once more: a second signal within a second is that echo;
 * one later is the user insisting, and exits 130 at once.
 */
export function interruptSignal(message: string): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  let firstSignalAt = 0;
  const onSignal = () => {
    const now = performance.now();
    if (firstSignalAt && now - firstSignalAt > 1000) Deno.exit(130);
    if (firstSignalAt) return;
    firstSignalAt = now;
    console.error(message);
    abort.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    signal: abort.signal,
    dispose() {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    },
  };
}
