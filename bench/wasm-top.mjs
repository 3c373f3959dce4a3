// The largest functions of a wasm module, by body size, with their names: what twiggy's
// `top` tells, without installing it. The module needs its name section, so point it at
// rustc's output (before wasm-bindgen strips the names), e.g.
//   cargo build --release --lib --target wasm32-unknown-unknown --no-default-features --features edge
//   node bench/wasm-top.mjs target/wasm32-unknown-unknown/release/guichet.wasm [count] [--sections]
// Sizes are of the bodies as they are in that file (before wasm-opt), so they rank the
// functions and show what a change moved; the shipped bytes come from `npm run build`.
import { readFileSync } from "node:fs";
import { importDescription, readU32 } from "../scripts/wasm-bytes.mjs";

const [path, countArg = "25"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (!path) throw new Error("usage: wasm-top.mjs <module.wasm> [count] [--sections]");
const wasm = readFileSync(path);
const decoder = new TextDecoder();

// The LEB128 reader of the build's own wasm rewriters, bound to this module.
const u32 = (at) => readU32(wasm, at);

const sections = [];
let imported = 0;
let bodies = [];
const names = new Map();
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, body] = u32(at + 1);
  const end = body + size;
  let label = `section ${id}`;
  if (id === 0) {
    const [length, start] = u32(body);
    label = `custom "${decoder.decode(wasm.subarray(start, start + length))}"`;
    if (label === 'custom "name"') readNames(start + length, end);
  } else if (id === 2) {
    let [count, p] = u32(body);
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < 2; s++) {
        const [length, start] = u32(p);
        p = start + length;
      }
      const { kind, end: next } = importDescription(wasm, p);
      if (kind === 0) imported++;
      p = next;
    }
    label = "imports";
  } else if (id === 10) {
    let [count, p] = u32(body);
    for (let i = 0; i < count; i++) {
      const [length, start] = u32(p);
      bodies.push({ index: imported + i, size: start + length - p });
      p = start + length;
    }
    label = "code";
  } else if (id === 11) label = "data";
  sections.push({ label, size: end - at });
  at = end;
}

function readNames(at, end) {
  while (at < end) {
    const kind = wasm[at];
    const [size, body] = u32(at + 1);
    if (kind === 1) {
      let [count, p] = u32(body);
      for (let i = 0; i < count; i++) {
        let index;
        [index, p] = u32(p);
        const [length, start] = u32(p);
        names.set(index, decoder.decode(wasm.subarray(start, start + length)));
        p = start + length;
      }
    }
    at = body + size;
  }
}

const total = wasm.length;
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
if (process.argv.includes("--sections")) {
  for (const s of sections) console.log(`${String(s.size).padStart(9)} ${pct(s.size)}  ${s.label}`);
  console.log("");
}
bodies.sort((a, b) => b.size - a.size);
const code = bodies.reduce((a, b) => a + b.size, 0);
console.log(`${path}: ${total} bytes, code ${code} bytes in ${bodies.length} functions`);
for (const { index, size } of bodies.slice(0, Number(countArg))) {
  const name = names.get(index) ?? `func[${index}]`;
  console.log(`${String(size).padStart(9)} ${pct(size)}  ${name.length > 150 ? `${name.slice(0, 147)}...` : name}`);
}

// --crates: the code grouped by the crate (and, for this crate, the module) that defines it.
if (process.argv.includes("--crates")) {
  const groups = new Map();
  for (const { index, size } of bodies) {
    const key = owner(names.get(index) ?? "?");
    groups.set(key, (groups.get(key) ?? 0) + size);
  }
  console.log("");
  for (const [key, size] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg)))
    console.log(`${String(size).padStart(9)} ${pct(size)}  ${key}`);
}

/** The defining crate of a mangled (legacy `_ZN` or v0 `_R`) or plain name; `guichet::a::b` for ours. */
function owner(name) {
  const parts = [];
  if (name.startsWith("_ZN")) {
    for (let at = 3; /\d/.test(name[at]); ) {
      const digits = name.slice(at).match(/^\d+/)[0];
      at += digits.length;
      parts.push(name.slice(at, at + Number(digits)));
      at += Number(digits);
    }
  } else if (name.startsWith("_R")) {
    for (const m of name.matchAll(/C[s][0-9a-zA-Z_]*?_(\d+)([a-z_]\w*)/g)) parts.push(m[2].slice(0, Number(m[1])));
    if (!parts.length) for (const m of name.matchAll(/(\d+)([a-z_][\w]*)/g)) parts.push(m[2].slice(0, Number(m[1])));
  } else return name.split(/::|\$/)[0] || name;
  // An impl's path (`_$LT$serde_json..de..X$u20$as$u20$...`): the crate of the self type.
  const first = parts[0] ?? "?";
  if (first.startsWith("_$LT$") || first.startsWith("$LT$")) {
    const inner = first.replace(/^_?\$LT\$(\$RF\$)?(mut\$u20\$)?/, "").split("..");
    return inner[0] === "guichet" ? inner.slice(0, 3).join("::") : `${inner[0]} (impl)`;
  }
  return first === "guichet" ? parts.slice(0, 3).join("::") : first;
}
