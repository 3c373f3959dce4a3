// Shortens the names a wasm-bindgen module imports from its glue, in both the .wasm and
// the glue JavaScript: `__wbg_get_2080c49015e35254` becomes `c`. Each name carries a
// 16-hex-digit hash that gzip cannot squeeze, twice (once in each file), and there is one
// per JavaScript function the Rust code calls. The exports the glue reads get short names
// too (`__wbindgen_malloc` becomes `_a`), and those it never reads are dropped.
//
//   node scripts/minify-imports.mjs <dir> <name>   (rewrites <dir>/<name>.js and <name>_bg.wasm)
//
// A name is only renamed when the glue spells it exactly once (its key in the imports
// object); the script fails rather than guess on anything it does not understand.
//
// With --arity (the edge), every imported function also declares as many parameters as
// its wasm type has. wasm-bindgen writes the imports that catch a JavaScript exception as
// `function() { return handleError(function (arg0, arg1) {...}, arguments); }`: no
// declared parameter, so V8 cannot use the wasm-to-JS wrappers it compiled with the module
// (one per signature, for functions whose arity matches) and compiles others, on the main
// thread, when the module is instantiated: 0.9 ms of a Node cold start for 8 imports
// (bench/PROFILE.md, round 8). The inner function's parameters are declared on the outer
// one too; `arguments` still holds them all, so the call is the same.
import { readFileSync, writeFileSync } from "node:fs";
import { importDescription, readU32, sections, u32, withSection } from "./wasm-bytes.mjs";

const arity = process.argv.includes("--arity");
const [dir, name] = process.argv.slice(2).filter((a) => a !== "--arity");
if (!dir || !name) throw new Error("usage: minify-imports.mjs [--arity] <dir> <name>");
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

// The number of parameters of each function type (type section: 0x60, params, results).
const paramCounts = [];
{
  const types = sections(wasm).find((s) => s.id === 1);
  let [n, pos] = readU32(wasm, types.start);
  for (let i = 0; i < n; i++) {
    if (wasm[pos++] !== 0x60) throw new Error(`${wasmPath}: type ${i} is not a function type`);
    const [params, afterParams] = readU32(wasm, pos);
    const [results, afterResults] = readU32(wasm, afterParams + params); // one byte per value type
    paramCounts.push(params);
    pos = afterResults + results;
  }
  if (pos !== types.end) throw new Error(`${wasmPath}: type section not read to its end`);
}
const countOf = (list) => (list.trim() === "" ? 0 : list.split(",").length);
// Declares the parameters of the import `field` that takes `count` (see --arity above).
const matchArity = (field, count) => {
  const key = new RegExp(`(?<![\\w$])${field.replace(/\$/g, "\\$")}: function\\(([^)]*)\\) \\{`, "g");
  const found = [...js.matchAll(key)];
  if (found.length !== 1) throw new Error(`${jsPath}: import ${field} is not one \`${field}: function(...) {\``);
  const [declared, params] = found[0];
  if (countOf(params) === count) return;
  const at = found[0].index + declared.length;
  const inner = /^ return handleError\(function \(([^)]*)\) \{/.exec(js.slice(at));
  if (countOf(params) !== 0 || !inner || countOf(inner[1]) !== count) {
    throw new Error(`${jsPath}: import ${field} declares ${countOf(params)} parameters, its wasm type ${count}`);
  }
  js = js.slice(0, found[0].index) + `${field}: function(${inner[1]}) {` + js.slice(at);
};

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
  if (arity && module === MODULE && wasm[kindStart] === 0) matchArity(field, paramCounts[readU32(wasm, kindStart + 1)[0]]);
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
const withImports = withSection(wasm, section, 2, Buffer.from(out));

// The exports: the glue reads them as `wasm.<name>` (`wasm = instance.exports`). One it
// never names is dropped (wasm-bindgen exports `__wbindgen_free` and its reset-state
// globals whether the glue needs them or not), so that the next wasm-opt run removes what
// only it kept; one it names only as `wasm.<name>` gets a short name in both files.
const exportSection = sections(withImports).find((s) => s.id === 7);
let exportsKept = 0;
let exportsRenamed = 0;
let exportsDropped = 0;
const exportsOut = [];
{
  let [n, pos] = readU32(withImports, exportSection.start);
  for (let i = 0; i < n; i++) {
    const [length, start] = readU32(withImports, pos);
    const field = decoder.decode(withImports.subarray(start, start + length));
    const kind = withImports[start + length];
    const [, end] = readU32(withImports, start + length + 1);
    pos = end;
    const word = field.replace(/\$/g, "\\$");
    const named = occurrences(js, field);
    const read = (prefix) => js.match(new RegExp(`${prefix}\\.${word}(?![\\w$])`, "g"))?.length ?? 0;
    let field2 = field;
    if (field === "memory" || kind === 2) {
      // Kept: wasm-bindgen's glue and tools read the memory by name.
    } else if (named === 0) {
      exportsDropped++;
      continue;
    } else if (read("(?<![\\w$])wasm") > 0 && read("") === read("(?<![\\w$])wasm")) {
      // Every property read of this name is the export's.
      field2 = `_${short(exportsRenamed++)}`;
      js = js.replace(new RegExp(`(?<![\\w$])wasm\\.${word}(?![\\w$])`, "g"), `wasm.${field2}`);
    }
    exportsKept++;
    const bytes = encoder.encode(field2);
    exportsOut.push(...u32(bytes.length), ...bytes, ...withImports.subarray(start + length, end));
  }
  if (pos !== exportSection.end) throw new Error(`${wasmPath}: export section not read to its end`);
}
writeFileSync(wasmPath, withSection(withImports, exportSection, 7, Buffer.from([...u32(exportsKept), ...exportsOut])));
writeFileSync(jsPath, js);
console.log(`  ${name}: ${renamed.size} of ${count} imports renamed; exports: ${exportsRenamed} renamed, ${exportsDropped} dropped`);
