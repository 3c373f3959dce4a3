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

const [path] = process.argv.slice(2);
if (!path) throw new Error("usage: panic-trap.mjs <module.wasm>");
const wasm = readFileSync(path);
const decoder = new TextDecoder();
// wasm-bindgen demangles: `core[c5930c85a12de822]::panicking::panic_fmt` (v0 mangling, as
// std is built) or `core::panicking::panic_fmt::h0123456789abcdef` (legacy).
const PANIC_FMT = /^core(\[[0-9a-f]+\])?::panicking::panic_fmt(::h[0-9a-f]{16})?$/;

function readU32(pos) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = wasm[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

// The sections: [id, start of contents, end].
const sections = [];
for (let pos = 8; pos < wasm.length; ) {
  const id = wasm[pos];
  const [size, start] = readU32(pos + 1);
  sections.push({ id, header: pos, start, end: start + size });
  pos = start + size;
}

// Imported functions come first in the function index space.
let imported = 0;
const imports = sections.find((s) => s.id === 2);
if (imports) {
  let [count, pos] = readU32(imports.start);
  for (let i = 0; i < count; i++) {
    for (let name = 0; name < 2; name++) {
      const [len, at] = readU32(pos);
      pos = at + len;
    }
    const kind = wasm[pos++];
    if (kind === 0) {
      imported++;
      [, pos] = readU32(pos);
    } else if (kind === 1) {
      pos += 1; // reftype
      const flags = wasm[pos++];
      [, pos] = readU32(pos);
      if (flags & 1) [, pos] = readU32(pos);
    } else if (kind === 2) {
      const flags = wasm[pos++];
      [, pos] = readU32(pos);
      if (flags & 1) [, pos] = readU32(pos);
    } else if (kind === 3) {
      pos += 2; // valtype, mutability
    } else if (kind === 4) {
      pos += 1;
      [, pos] = readU32(pos);
    } else throw new Error(`import kind ${kind} not understood`);
  }
}

// The function names (subsection 1 of the `name` custom section).
const found = [];
for (const s of sections.filter((s) => s.id === 0)) {
  let [len, pos] = readU32(s.start);
  if (decoder.decode(wasm.subarray(pos, pos + len)) !== "name") continue;
  pos += len;
  while (pos < s.end) {
    const kind = wasm[pos];
    const [size, start] = readU32(pos + 1);
    if (kind === 1) {
      let [count, at] = readU32(start);
      for (let i = 0; i < count; i++) {
        let index;
        [index, at] = readU32(at);
        const [nameLen, nameAt] = readU32(at);
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
const code = sections.find((s) => s.id === 10);
let [count, pos] = readU32(code.start);
const bodies = [];
for (let i = 0; i < count; i++) {
  const [size, start] = readU32(pos);
  bodies.push(i === target ? Buffer.from([0x00, 0x00, 0x0b]) : wasm.subarray(start, start + size));
  pos = start + size;
}
const contents = Buffer.concat([Buffer.from(u32(count)), ...bodies.flatMap((b) => [Buffer.from(u32(b.length)), b])]);
writeFileSync(
  path,
  Buffer.concat([wasm.subarray(0, code.header), Buffer.from([10, ...u32(contents.length)]), contents, wasm.subarray(code.end)]),
);
