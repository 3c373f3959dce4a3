// Makes a Rust panic trap at once, in a wasm-bindgen module that still has its name
// section: the bodies of `core::panicking::panic_fmt` and std's `panic_with_hook` become
// `unreachable`. On wasm32-unknown-unknown a panic already ends in that trap
// (panic = "abort"), and the message std formats on the way is written to a stderr that
// does not exist there (no panic hook is set anywhere in the crate). Skipping the
// formatting lets wasm-opt drop std's panic handler and what only it reaches: what
// nightly's `panic_immediate_abort` does, on stable. A trap is still a
// `WebAssembly.RuntimeError`, which js/edge/guard.js answers as before.
//
// What only a panic calls through a vtable (std's panic payloads: `get`, `take_box`,
// `as_str`, their `Display`) sits in the function table, which wasm-opt never prunes:
// those table slots are pointed at the trapped `panic_fmt`, so the functions go too.
//
// `--no-fmt` (the browser bundle, which formats nothing and runs no future) does the same
// for every `Display`, `Debug` and `fmt::Write` method in the table: with the payloads
// gone they are reached only from `core::fmt::write` and `Formatter`, which nothing else
// calls; and for js-sys's task waker (`js_sys::futures`), whose vtable only a spawned
// future reads.
// Both bundles: the functions std calls to panic (`slice_error_fail`, `unwrap_failed`,
// `panic_bounds_check`, ...; `-> !`, each ending in `panic_fmt`) trap at their entry too,
// and the data's texts only a panic message reads are blanked: std's own panic messages
// (slice bounds, `RefCell`, capacity, `assert!`s) and the source paths of panic locations.
// `--no-fmt` also blanks integer formatting's table of digit pairs (`000102...99`), which
// only the integers' `Display` reads, itself reached only from the table slots pointed at
// the trap. wasm-bindgen's messages (`null pointer passed to rust`, `FnOnce called more
// than once`, ...) are thrown to JavaScript and stay.
// `--check-no-fmt` guards that, on the rewritten module (before wasm-opt, which inlines):
// from the exports and the table slots left, following direct calls (binaryen's
// `--print-call-graph`), neither `core::fmt::write`, a `Formatter` method, an integer's
// `Display` or `Debug` (the digit pairs' readers) nor a `js_sys::futures` function may be
// reached. If some code formats (`format!`,
// `to_string` on a number, `write!`) or spawns a future, its `Display` impls or its waker
// would trap: the build stops and says so.
//
//   node scripts/panic-trap.mjs [--no-fmt] <module.wasm>   (rewrites it; fails unless
//                                           exactly one function is `panic_fmt`)
//   node scripts/panic-trap.mjs --check-no-fmt <module.wasm>
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { importDescription, readU32, sections, u32, withSection } from "./wasm-bytes.mjs";

const args = process.argv.slice(2);
const [path] = args.filter((a) => !a.startsWith("--"));
if (!path) throw new Error("usage: panic-trap.mjs [--no-fmt | --check-no-fmt] <module.wasm>");
let wasm = readFileSync(path);
const decoder = new TextDecoder();
// wasm-bindgen demangles: `core[c5930c85a12de822]::panicking::panic_fmt` (v0 mangling, as
// std is built) or `core::panicking::panic_fmt::h0123456789abcdef` (legacy).
const crate = (name) => `${name}(\\[[0-9a-f]+\\])?`;
const HASH = "(::h[0-9a-f]{16})?$";
const PANIC_FMT = new RegExp(`^${crate("core")}::panicking::panic_fmt${HASH}`);
const PANIC_WITH_HOOK = new RegExp(`^${crate("std")}::panicking::panic_with_hook${HASH}`);
// The functions std calls to panic (`-> !`, each ending in `panic_fmt`): trapped at their
// entry, so that what they compute for the message (`slice_error_fail`'s char boundaries,
// the `Arguments` of a bounds check) goes too. An allocation failure already ends in
// `abort` on wasm32-unknown-unknown: a trap.
const DIVERGING = new RegExp(
  `^(${crate("core")}::(str::slice_error_fail(_rt)?|slice::index::slice_[a-z_]*fail|result::unwrap_failed|option::(expect|unwrap)_failed|panicking::(panic_bounds_check|panic_nounwind|panic|assert_failed(_inner)?|panic_const::panic_const_[a-z_0-9]+))|${crate("alloc")}::(alloc::handle_alloc_error|raw_vec::(handle_error|capacity_overflow)))${HASH}`,
);
// Methods of std's panic payloads (and their drop), called only from `panic_with_hook`.
const PAYLOAD = new RegExp(`^(<|${crate("core")}::ptr::drop_in_place::<)${crate("std")}::panicking::`);
const FORMATTING = new RegExp(`as ${crate("core")}::fmt::(Display|Debug|Write)>::|^${crate("js_sys")}::futures::`);
// Integer formatting (`<u32 as Display>::fmt`, `<u32>::_fmt` behind `to_string`, `core::fmt::num`)
// reads the digit pairs blanked below.
const FORMATTER = new RegExp(
  `^(${crate("core")}::fmt::write(\\[\\d+\\])?$|<${crate("core")}::fmt::Formatter>::|<[iu](8|16|32|64|128|size) as ${crate("core")}::fmt::(Display|Debug)>::|<[iu](8|16|32|64|128|size)>::(_fmt|format_into))|${crate("core")}::fmt::num::|js_sys::futures::`,
);

/** The function names (subsection 1 of the `name` custom section): index → name. */
function names(bytes) {
  const found = new Map();
  for (const s of sections(bytes).filter((s) => s.id === 0)) {
    let [len, pos] = readU32(bytes, s.start);
    if (decoder.decode(bytes.subarray(pos, pos + len)) !== "name") continue;
    pos += len;
    while (pos < s.end) {
      const kind = bytes[pos];
      const [size, start] = readU32(bytes, pos + 1);
      if (kind === 1) {
        let [count, at] = readU32(bytes, start);
        for (let i = 0; i < count; i++) {
          let index;
          [index, at] = readU32(bytes, at);
          const [nameLen, nameAt] = readU32(bytes, at);
          found.set(index, decoder.decode(bytes.subarray(nameAt, nameAt + nameLen)));
          at = nameAt + nameLen;
        }
      }
      pos = start + size;
    }
  }
  if (!found.size) throw new Error(`${path}: no name section`);
  return found;
}

const named = names(wasm);

if (args.includes("--check-no-fmt")) {
  const WASM_OPT = new URL("../node_modules/.bin/wasm-opt", import.meta.url).pathname;
  const features = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals", "reference-types", "multivalue"];
  const dot = execFileSync(WASM_OPT, [path, "--print-call-graph", ...features.map((f) => `--enable-${f}`), "-o", "/dev/null"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  // Nodes: exports are gray, table slots rounded; edges `"a" -> "b"; // call`.
  const roots = [...dot.matchAll(/^ {2}"((?:[^"\\]|\\.)*)" \[style="filled(, rounded)?"(, fillcolor="(\w+)")?\];$/gm)]
    .filter((m) => m[2] || m[4] === "gray")
    .map((m) => m[1]);
  const calls = new Map();
  for (const [, from, to] of dot.matchAll(/^ {2}"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"; \/\/ call$/gm)) {
    if (!calls.has(from)) calls.set(from, []);
    calls.get(from).push(to);
  }
  if (!roots.length || !calls.size) throw new Error(`${path}: binaryen's call graph could not be read`);
  const reached = new Set(roots);
  for (const queue = [...roots]; queue.length; ) {
    for (const next of calls.get(queue.pop()) ?? []) {
      if (!reached.has(next)) reached.add(next), queue.push(next);
    }
  }
  const left = [...reached].filter((n) => FORMATTER.test(n));
  if (left.length) {
    throw new Error(`${path}: formatting or futures still reached (${left.join(", ")}): something calls format!, to_string or write! on a non-string (build that text without core::fmt), or spawns a future`);
  }
  process.exit(0);
}

const indices = (pattern) => [...named].filter(([, n]) => pattern.test(n)).map(([i]) => i);
const [panicFmt, ...extra] = indices(PANIC_FMT);
if (panicFmt === undefined || extra.length) throw new Error(`${path}: expected one panic_fmt in the name section`);
const trapped = new Set([panicFmt, ...indices(PANIC_WITH_HOOK), ...indices(DIVERGING)]);
const neutral = (name) => PAYLOAD.test(name) || (args.includes("--no-fmt") && FORMATTING.test(name));

// Imported functions come first in the function index space.
let imported = 0;
const imports = sections(wasm).find((s) => s.id === 2);
if (imports) {
  let [count, pos] = readU32(wasm, imports.start);
  for (let i = 0; i < count; i++) {
    for (let name = 0; name < 2; name++) {
      const [len, at] = readU32(wasm, pos);
      pos = at + len;
    }
    const { kind, end } = importDescription(wasm, pos);
    if (kind === 0) imported++;
    pos = end;
  }
}

// The element section: table slots of the payloads (and formatting) point at panic_fmt.
const elements = sections(wasm).find((s) => s.id === 9);
if (elements) {
  let [segments, pos] = readU32(wasm, elements.start);
  const out = [...u32(segments)];
  for (let s = 0; s < segments; s++) {
    const flags = wasm[pos];
    // Flags 0: an active segment of the first table, `i32.const offset; end`, function indices.
    if (flags !== 0 || wasm[pos + 1] !== 0x41) throw new Error(`${path}: element segment of an unexpected kind (${flags})`);
    const [, afterOffset] = readU32(wasm, pos + 2);
    if (wasm[afterOffset] !== 0x0b) throw new Error(`${path}: element segment offset is not a constant`);
    out.push(...wasm.subarray(pos, afterOffset + 1));
    let [count, at] = readU32(wasm, afterOffset + 1);
    out.push(...u32(count));
    for (let i = 0; i < count; i++) {
      let index;
      [index, at] = readU32(wasm, at);
      out.push(...u32(neutral(named.get(index) ?? "") ? panicFmt : index));
    }
    pos = at;
  }
  wasm = withSection(wasm, elements, 9, Buffer.from(out));
}

// Blank the panic-only texts (same length, zeros, which wasm-opt's memory packing drops),
// in both bundles: once the functions above trap, nothing reads them.
{
  const PANIC_TEXTS = new RegExp(
    [
      "/rustc/[0-9a-f]{40}/library/[a-z0-9_/]+\\.rs",
      "/(root|home/[a-z0-9_.-]+|github/home)/\\.cargo/registry/src/[^\\x00-\\x1f\"]+?\\.rs",
      "src/[a-z_/]+\\.rs",
      "slice index starts at ",
      "range (start|end) index ",
      '" out of range for slice of length ',
      "copy_from_slice: source slice length \\(",
      "\\) does not match destination slice length \\(",
      "insertion index \\(is ",
      "\\) should be <= len \\(is ",
      "LazyCell instance has previously been poisoned",
      "RefCell already (mutably )?borrowed",
      "capacity overflow",
      "Tried to shrink to a larger capacity",
      "mid > len",
      "attempt to join into collection with len > usize::MAX",
      "internal error: entered unreachable code",
      " but ends at ",
      "index out of bounds: the len is ",
      " but the index is ",
      // `str` slicing's, `assert_eq!`'s and `expect`'s messages, `assert!`'s texts in std,
      // js-sys's futures: arguments of a panic only.
      "begin > end \\(",
      "\\) when slicing `",
      "(start|end) byte index ",
      " is out of bounds of `",
      " is not a char boundary; it is inside ",
      "assertion `left ",
      " right` failed",
      "\n {1,2}left: ",
      "\n right: ",
      "swap_remove index \\(is ",
      "\\) should be < len \\(is ",
      "cannot access a Thread Local Storage value during or after destruction: ",
      "a Display implementation returned an error unexpectedly",
      "finish: (callbacks should be Some|result should be None)",
      "assertion failed: (self\\.is_char_boundary\\(new_len\\)|self\\.height > 0|count > 0|old_(left|right)_len( \\+ count <= CAPACITY| >= count)|new_left_len <= CAPACITY|idx < CAPACITY|edge\\.height == self\\.(node\\.)?height - 1|src\\.len\\(\\) == dst\\.len\\(\\)|psize [<>]= size \\+ (min|max)_overhead)",
      // Integer formatting's digit pairs (the browser's only): read only by the integers'
      // `Display`, whose table slots point at the trap (--check-no-fmt fails if one is
      // reached). The edge formats integers.
      ...(args.includes("--no-fmt") ? [Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join("")] : []),
    ].join("|"),
    "g",
  );
  const data = sections(wasm).find((s) => s.id === 11);
  const text = wasm.subarray(data.start, data.end).toString("latin1");
  wasm = Buffer.from(wasm);
  for (const m of text.matchAll(PANIC_TEXTS)) wasm.fill(0, data.start + m.index, data.start + m.index + m[0].length);
}

// Rewrite the code section with the trapped bodies replaced by `unreachable`.
const code = sections(wasm).find((s) => s.id === 10);
let [count, pos] = readU32(wasm, code.start);
const bodies = [];
for (let i = 0; i < count; i++) {
  const [size, start] = readU32(wasm, pos);
  bodies.push(trapped.has(i + imported) ? Buffer.from([0x00, 0x00, 0x0b]) : wasm.subarray(start, start + size));
  pos = start + size;
}
const contents = Buffer.concat([Buffer.from(u32(count)), ...bodies.flatMap((b) => [Buffer.from(u32(b.length)), b])]);
writeFileSync(path, withSection(wasm, code, 10, contents));
