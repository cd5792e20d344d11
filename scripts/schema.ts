// `deno task schema`: writes the run config's JSON Schema for editors
// (data/run-config.schema.json). A test fails when the file is stale.
import { JSON_SCHEMA_PATH, runConfigJsonSchemaText } from "../lib/config/mod.ts";

await Deno.writeTextFile(JSON_SCHEMA_PATH, runConfigJsonSchemaText());
console.log(`wrote ${JSON_SCHEMA_PATH}`);
