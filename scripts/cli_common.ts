// Shared bits of the command-line entry points: reading a config file with a
// clear error, and the error class for bad usage (exit code 2).

/** Bad command-line input: printed as a one-line message, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads a JSON config file; a missing or malformed file is a UsageError. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`config file ${path} must hold a JSON object`);
  }
  const { $schema: _ignored, ...config } = value as Record<string, unknown>;
  return config;
}
