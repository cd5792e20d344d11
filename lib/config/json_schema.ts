// The run config as JSON Schema (draft 2020-12), generated from the zod schema
// so editors can complete and check config files. `data/run-config.schema.json`
// is this output; a test keeps the file current.

import { z } from "zod";
import { runConfigSchema } from "./schema.ts";

export const JSON_SCHEMA_PATH = "data/run-config.schema.json";

/** JSON Schema of what a user may write (the input side: units as strings). */
export function runConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(runConfigSchema, { io: "input", unrepresentable: "any" });
  return { ...schema, title: "IOMMU dirty-tracking run config" };
}

/** The schema file's exact text. */
export function runConfigJsonSchemaText(): string {
  return JSON.stringify(runConfigJsonSchema(), null, 2) + "\n";
}
