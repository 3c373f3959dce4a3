// Makes a Rust panic trap at once, in a wasm-bindgen module that still has its name
// section: the body of `core::panicking::panic_fmt` becomes `unreachable`. On
// wasm32-unknown-unknown a panic already ends in that trap (panic = "abort"), and the
// message std formats on the way is written to a stderr that does not exist there (no
// panic hook is set anywhere in the crate). Skipping the formatting lets wasm-opt drop
// std's panic handler and what only it reaches: what nightly's `panic_immediate_abort`
// does, on stable. About 0.5 KB gzip of the browser's wasm, 3.6 KB of the edge's
// (bench/PROFILE.md). A trap is still a `WebAssembly.RuntimeError`, which
// js/edge/guard.js answers as before.
//
//   node scripts/panic-trap.mjs <module.wasm>   (rewrites it; fails unless exactly one
//                                                 function has that name)
import { readFileSync, writeFileSync } from "node:fs";
import { importDescription, readU32, sections, u32, withSection } from "./wasm-bytes.mjs";

const [path] = process.argv.slice(2);
if (!path) throw new Error("usage: panic-trap.mjs <module.wasm>");
const wasm = readFileSync(path);
const decoder = new TextDecoder();
// wasm-bindgen demangles: `core[c5930c85a12de822]::panicking::panic_fmt` (v0 mangling, as
// std is built) or `core::panicking::panic_fmt::h0123456789abcdef` (legacy).
const PANIC_FMT = /^core(\[[0-9a-f]+\])?::panicking::panic_fmt(::h[0-9a-f]{16})?$/;

const all = sections(wasm);

// Imported functions come first in the function index space.
let imported = 0;
const imports = all.find((s) => s.id === 2);
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

// The function names (subsection 1 of the `name` custom section).
const found = [];
for (const s of all.filter((s) => s.id === 0)) {
  let [len, pos] = readU32(wasm, s.start);
  if (decoder.decode(wasm.subarray(pos, pos + len)) !== "name") continue;
  pos += len;
  while (pos < s.end) {
    const kind = wasm[pos];
    const [size, start] = readU32(wasm, pos + 1);
    if (kind === 1) {
      let [count, at] = readU32(wasm, start);
      for (let i = 0; i < count; i++) {
        let index;
        [index, at] = readU32(wasm, at);
        const [nameLen, nameAt] = readU32(wasm, at);
        const name = decoder.decode(wasm.subarray(nameAt, nameAt + nameLen));
        at = nameAt + nameLen;
        if (PANIC_FMT.test(name)) found.push(index);
      }
    }
    pos = start + size;
  }
}
if (found.length !== 1) throw new Error(`${path}: expected one panic_fmt in the name section, found ${found.length}`);
const target = found[0] - imported;

// Rewrite the code section with that body replaced by `unreachable`.
const code = all.find((s) => s.id === 10);
let [count, pos] = readU32(wasm, code.start);
const bodies = [];
for (let i = 0; i < count; i++) {
  const [size, start] = readU32(wasm, pos);
  bodies.push(i === target ? Buffer.from([0x00, 0x00, 0x0b]) : wasm.subarray(start, start + size));
  pos = start + size;
}
const contents = Buffer.concat([Buffer.from(u32(count)), ...bodies.flatMap((b) => [Buffer.from(u32(b.length)), b])]);
writeFileSync(path, withSection(wasm, code, 10, contents));
