// Shared bits of the command-line entry points: the error class for bad usage
// (printed as one line, exit code 2), and reading a config file as usage input.

import { ConfigFileError, readConfigFile as readConfig } from "../lib/config/mod.ts";

/** Bad command-line input: printed as a one-line message, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads a JSON config file; a missing or malformed file is a UsageError. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  try {
    return await readConfig(path);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new UsageError(e.message);
    throw e;
  }
}
