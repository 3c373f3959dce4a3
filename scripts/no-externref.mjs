// Removes the `target_features` custom section of rustc's output, so that wasm-bindgen
// gives JavaScript values to the browser's wasm through its JavaScript heap (a slab of
// indices) rather than an externref table. scripts/build.sh compiles the browser's own
// crates without `reference-types` (`-C target-feature=-reference-types`); std comes
// prebuilt with it and still lists it in that section, which is what wasm-bindgen reads
// to choose. The externref path costs the module a table allocator and a shim per import
// and export: the browser's critical path is about 0.35 KB gzip smaller without it, for
// a little more glue JavaScript (bench/PROFILE.md, round 6). Nothing in std handles an
// externref: the feature only changes how its indirect calls are encoded.
//
//   node scripts/no-externref.mjs <in.wasm> <out.wasm>
import { readFileSync, writeFileSync } from "node:fs";
import { readU32, sections } from "./wasm-bytes.mjs";

const [from, to] = process.argv.slice(2);
if (!from || !to) throw new Error("usage: no-externref.mjs <in.wasm> <out.wasm>");
const wasm = readFileSync(from);
const named = (s) => {
  const [length, start] = readU32(wasm, s.start);
  return wasm.subarray(start, start + length).toString();
};
const features = sections(wasm).filter((s) => s.id === 0 && named(s) === "target_features");
if (features.length !== 1) throw new Error(`${from}: expected one target_features section`);
const [{ header, end }] = features;
writeFileSync(to, Buffer.concat([wasm.subarray(0, header), wasm.subarray(end)]));
