// `deno task notebooks [--out DIR] [--param name=value ...] [notebook.ipynb ...]`:
// executes the notebooks headless with the Deno kernel (lib/notebook/run.ts).
import { main } from "../lib/notebook/run.ts";

Deno.exit(await main(Deno.args));
