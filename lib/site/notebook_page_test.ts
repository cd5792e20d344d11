// A notebook page's rerun command is the runner's own, with the parameters
// the runner injected read back as the values it was given.
import assert from "node:assert/strict";
import { injectParameters, type Notebook, reproduceCommand } from "../notebook/run.ts";
import { injectedParams, type Nb, notebookRerunCommand } from "./notebook_page.ts";

const PATH = "notebooks/03-eager-vs-lazy.ipynb";

Deno.test("notebookRerunCommand: the runner's command for the injected parameters, through npx", async () => {
  const nb = JSON.parse(await Deno.readTextFile(new URL(`../../${PATH}`, import.meta.url)));
  const params = { quick: true, seeds: 3 };
  const executed = injectParameters(nb as Notebook, params) as unknown as Nb;
  assert.deepEqual(injectedParams(executed), params);
  assert.equal(
    notebookRerunCommand(PATH, executed),
    "npx -y deno@2.9.6 task notebooks 03-eager-vs-lazy --quick --param seeds=3",
  );
  assert.equal(
    notebookRerunCommand(PATH, executed),
    reproduceCommand(PATH, params).replace(/^deno /, "npx -y deno@2.9.6 "),
  );
  // Without injected parameters: the bare command.
  assert.equal(
    notebookRerunCommand(PATH, nb as Nb),
    "npx -y deno@2.9.6 task notebooks 03-eager-vs-lazy",
  );
});
