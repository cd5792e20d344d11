// Config files: a JSON object, optionally with a "$schema" key for editors
// (data/run-config.schema.json), which is dropped. A missing or malformed file
// is a ConfigFileError whose message names the path; callers print it as is.

/** A config file that could not be read or is not a JSON object. */
export class ConfigFileError extends Error {
  override name = "ConfigFileError";
}

/** Reads a JSON config file into a config input (not yet validated). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigFileError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigFileError(`config file ${path} must hold a JSON object`);
  }
  return withoutSchemaKey(value as Record<string, unknown>);
}

/** A config input without its editor-only "$schema" key. */
export function withoutSchemaKey(config: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = config;
  return rest;
}
