// The in-process C reference runs the same loop as the program: its first
// run in a process prints the same counts (same PRNG from the same seed).

import assert from "node:assert/strict";
import { buildReference, openReference, runReferenceProgram } from "./c_reference.ts";

const bin = buildReference();

Deno.test({
  name: "C reference: in-process (FFI) and as a program, the same misses and dirty pages",
  ignore: bin === null, // no cc here: the benches say "skipped" too
  fn() {
    const ref = openReference();
    assert.ok(ref, "openReference() is null although the program builds");
    assert.equal(ref.where, "in-process", "FFI is allowed under -A: the library should load");
    const inProcess = ref.run(4096, 64, 8, 200_000) as unknown as Record<string, number>;
    const program = runReferenceProgram(bin!, 4096, 64, 8, 200_000) as unknown as Record<
      string,
      number
    >;
    assert.equal(inProcess.accesses, 200_000);
    assert.equal(inProcess.missRate, program.missRate);
    assert.equal(inProcess.dirtyPages, program.dirtyPages);
    assert.ok(inProcess.missRate > 0.98 && inProcess.missRate < 1, `${inProcess.missRate}`);
  },
});
