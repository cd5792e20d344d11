// The C speed-of-light loop (../shared/bench/iotlb_ref.c) for the benches
// that state the engine's speed as a ratio to it. Built with `cc -O2` into
// .bench/, twice: as the program, and as a shared library (iotlb_ref_lib.c
// wraps the same source, unchanged) that the bench calls in its own process
// through Deno's FFI. In-process, a C run and an engine run can alternate
// every few milliseconds, so both see the same state of this VM, whose speed
// swings ~2x for 0.5-3 s at a time; the program (a process a run) is the
// fallback where FFI is not allowed or the library does not build.

const REPO = new URL("../../", import.meta.url);
// The team's reference lives in ../shared/bench/; a copy ships beside this
// file so a clone on its own can still measure the ratio.
const C_SOURCES = [
  new URL("../shared/bench/iotlb_ref.c", REPO),
  new URL("./iotlb_ref.c", import.meta.url),
];
const LIB_WRAPPER = new URL("./iotlb_ref_lib.c", import.meta.url);
const BENCH_DIR = new URL(".bench/", REPO);

export interface CRun {
  accessesPerSecond: number;
  missRate: number;
}

/** The C loop over `pages` 4 KiB pages with an `entries`-entry, `ways`-way IOTLB. */
export interface CReference {
  /** "in-process" (FFI) or "subprocess" (the program, a process a run). */
  readonly where: "in-process" | "subprocess";
  run(pages: number, entries: number, ways: number, accesses: number): CRun;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function newerThan(out: string, ...inputs: string[]): boolean {
  try {
    const t = Deno.statSync(out).mtime!;
    return inputs.every((i) => Deno.statSync(i).mtime! <= t);
  } catch {
    return false;
  }
}

/** `cc args…`; true when it succeeded (false without cc). */
function cc(args: string[]): boolean {
  try {
    return new Deno.Command("cc", { args, stderr: "piped" }).outputSync().success;
  } catch {
    return false;
  }
}

/** The reference's source: shared/bench's, else the copy beside this file; null if neither. */
export function referenceSource(): string | null {
  return C_SOURCES.map((u) => u.pathname).find(isFile) ?? null;
}

/** Compiles the reference program into .bench/ if cc and the source exist; its path or null. */
export function buildReference(): string | null {
  const src = referenceSource();
  if (!src) return null;
  const bin = new URL("iotlb_ref", BENCH_DIR).pathname;
  if (newerThan(bin, src)) return bin;
  Deno.mkdirSync(BENCH_DIR, { recursive: true });
  return cc(["-O2", "-o", bin, src]) ? bin : null;
}

/** One run of the reference program, in a process of its own. */
export function runReferenceProgram(
  bin: string,
  pages: number,
  entries: number,
  ways: number,
  accesses: number,
): CRun {
  const out = new Deno.Command(bin, {
    args: [String(pages), String(entries), String(ways), String(accesses)],
  }).outputSync();
  if (!out.success) throw new Error(`${bin} failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function openLibrary(src: string): CReference | null {
  const lib = new URL("libiotlb_ref.so", BENCH_DIR).pathname;
  const wrapper = LIB_WRAPPER.pathname;
  if (!newerThan(lib, src, wrapper)) {
    Deno.mkdirSync(BENCH_DIR, { recursive: true });
    const built = cc(["-O2", "-shared", "-fPIC", `-DREF_SOURCE="${src}"`, "-o", lib, wrapper]);
    if (!built) return null;
  }
  let dl;
  try {
    dl = Deno.dlopen(
      lib,
      {
        iotlb_ref_run: { parameters: ["u64", "u64", "u64", "u64"], result: "pointer" },
      } as const,
    );
  } catch {
    return null; // no --allow-ffi, or the library does not load
  }
  const fn = dl.symbols.iotlb_ref_run;
  return {
    where: "in-process",
    run(pages, entries, ways, accesses) {
      const p = fn(BigInt(pages), BigInt(entries), BigInt(ways), BigInt(accesses));
      const text = p === null ? "" : Deno.UnsafePointerView.getCString(p);
      if (!text) throw new Error("iotlb_ref_run printed nothing (bad arguments?)");
      return JSON.parse(text);
    },
  };
}

/**
 * The reference, in-process where it can be, else as a program; null when
 * there is no cc or no source (the benches then say the ratio is skipped).
 */
export function openReference(): CReference | null {
  const src = referenceSource();
  if (!src) return null;
  const inProcess = openLibrary(src);
  if (inProcess) return inProcess;
  const bin = buildReference();
  if (!bin) return null;
  return {
    where: "subprocess",
    run: (pages, entries, ways, accesses) =>
      runReferenceProgram(bin, pages, entries, ways, accesses),
  };
}
