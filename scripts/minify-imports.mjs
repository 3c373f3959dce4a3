// Shortens the names a wasm-bindgen module imports from its glue, in both the .wasm and
// the glue JavaScript: `__wbg_get_2080c49015e35254` becomes `c`. Each name carries a
// 16-hex-digit hash that gzip cannot squeeze, twice (once in each file), and there is one
// per JavaScript function the Rust code calls.
//
//   node scripts/minify-imports.mjs <dir> <name>   (rewrites <dir>/<name>.js and <name>_bg.wasm)
//
// A name is only renamed when the glue spells it exactly once (its key in the imports
// object); the script fails rather than guess on anything it does not understand.
import { readFileSync, writeFileSync } from "node:fs";
import { importDescription, readU32, sections, u32, withSection } from "./wasm-bytes.mjs";

const [dir, name] = process.argv.slice(2);
if (!dir || !name) throw new Error("usage: minify-imports.mjs <dir> <name>");
const wasmPath = `${dir}/${name}_bg.wasm`;
const jsPath = `${dir}/${name}.js`;
const wasm = readFileSync(wasmPath);
let js = readFileSync(jsPath, "utf8");
const MODULE = `./${name}_bg.js`;

const occurrences = (text, word) =>
  text.match(new RegExp(`(?<![\\w$])${word.replace(/[.$/]/g, "\\$&")}(?![\\w$])`, "g"))?.length ?? 0;

// Short names in order: a..z, A..Z, then two characters.
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const short = (i) => (i < letters.length ? letters[i] : letters[Math.floor(i / letters.length) - 1] + letters[i % letters.length]);

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const section = sections(wasm).find((s) => s.id === 2);
if (!section) throw new Error(`${wasmPath}: no import section`);

let [count, at] = readU32(wasm, section.start);
const out = [...u32(count)];
const renamed = new Map();
const moduleQuoted = JSON.stringify(MODULE);
const newModule = occurrences(js, moduleQuoted) === 1 ? "g" : MODULE;
const string = () => {
  const [length, start] = readU32(wasm, at);
  at = start + length;
  return decoder.decode(wasm.subarray(start, at));
};
const put = (text) => {
  const bytes = encoder.encode(text);
  out.push(...u32(bytes.length), ...bytes);
};
for (let i = 0; i < count; i++) {
  const module = string();
  const field = string();
  const kindStart = at;
  ({ end: at } = importDescription(wasm, at));
  let field2 = field;
  if (module === MODULE && occurrences(js, field) === 1) {
    field2 = renamed.get(field) ?? short(renamed.size);
    renamed.set(field, field2);
  }
  put(module === MODULE ? newModule : module);
  put(field2);
  out.push(...wasm.subarray(kindStart, at));
}
if (at !== section.end) throw new Error(`${wasmPath}: import section not read to its end`);

for (const [from, to] of renamed) {
  js = js.replace(new RegExp(`(?<![\\w$])${from.replace(/\$/g, "\\$")}(?![\\w$])`), to);
}
if (newModule !== MODULE) js = js.replace(moduleQuoted, JSON.stringify(newModule));
const body = Buffer.from(out);
writeFileSync(wasmPath, withSection(wasm, section, 2, body));
writeFileSync(jsPath, js);
console.log(`  ${name}: ${renamed.size} of ${count} imports renamed`);
