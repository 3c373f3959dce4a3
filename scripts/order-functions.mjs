// Orders a module's functions so that gzip finds more of each function in the ones just
// before it. Deflate only looks back 32 KB, and rustc lays functions out by crate and
// module, not by likeness: two route futures that share most of their instructions can
// sit 200 KB apart. Placed next to each other, the second costs little.
//
//   node scripts/order-functions.mjs <in.wasm> <out.wasm>
//
// The script does not move code itself: it writes a name section that ranks the functions
// (imports first, in their order), and the build then runs
// `wasm-opt --reorder-functions-by-name`, which renumbers every call, table entry and export
// for the new order and strips the names again. The input must have no name section.
//
// The order is greedy (see `greedyOrder`): the edge lost about 5 KB gzip -9 (bench/PROFILE.md,
// round 9, function order).
import { readFileSync, writeFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { importDescription, readU32, sections, u32 } from "./wasm-bytes.mjs";

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: order-functions.mjs <in.wasm> <out.wasm>");
const wasm = readFileSync(input);
const { imported, bodies } = functionsOf(wasm);
const order = greedyOrder(bodies);
writeFileSync(output, Buffer.concat([wasm, nameSection(imported, order)]));

/** How many functions the module imports, and each defined function's body. */
function functionsOf(bytes) {
  let imported = 0;
  const bodies = [];
  for (const s of sections(bytes)) {
    if (s.id === 0) {
      const [length, at] = readU32(bytes, s.start);
      if (bytes.toString("utf8", at, at + length) === "name") throw new Error(`${input} already has a name section`);
    } else if (s.id === 2) {
      let [count, pos] = readU32(bytes, s.start);
      for (; count > 0; count--) {
        for (let names = 0; names < 2; names++) {
          const [length, at] = readU32(bytes, pos);
          pos = at + length;
        }
        const description = importDescription(bytes, pos);
        if (description.kind === 0) imported++;
        pos = description.end;
      }
    } else if (s.id === 10) {
      let [count, pos] = readU32(bytes, s.start);
      for (; count > 0; count--) {
        const [size, at] = readU32(bytes, pos);
        bodies.push(bytes.subarray(at, at + size));
        pos = at + size;
      }
    }
  }
  return { imported, bodies };
}

/**
 * The defined functions' indices (0 the first body) in the order to write them: each step
 * shortlists the functions left that share the most 4-byte sequences with the one just
 * placed (over the square root of their own count, so that a large function is not taken
 * for being large), then takes the one that deflate, given the last 32 KB written as its
 * dictionary, shrinks the most below its cost alone.
 */
function greedyOrder(bodies) {
  const SHORTLIST = 64;
  const WINDOW = 32 * 1024;
  const sequences = bodies.map((body) => {
    const seen = new Set();
    for (let i = 0; i + 4 <= body.length; i++) seen.add(body.readInt32LE(i));
    return seen;
  });
  const alone = bodies.map((body) => deflateRawSync(body, { level: 9 }).length);
  const placed = new Uint8Array(bodies.length);
  const order = [];
  let written = Buffer.alloc(0);
  for (let next = 0; next >= 0; ) {
    placed[next] = 1;
    order.push(next);
    written = Buffer.concat([written, bodies[next]]).subarray(-WINDOW);
    const last = sequences[next];
    const shortlist = [];
    for (let candidate = 0; candidate < bodies.length; candidate++) {
      if (placed[candidate]) continue;
      const own = sequences[candidate];
      const [small, large] = own.size < last.size ? [own, last] : [last, own];
      let shared = 0;
      for (const s of small) if (large.has(s)) shared++;
      shortlist.push({ candidate, likeness: shared / Math.sqrt(1 + own.size) });
    }
    shortlist.sort((a, b) => b.likeness - a.likeness || a.candidate - b.candidate);
    next = -1;
    let bestGain = -Infinity;
    for (const { candidate } of shortlist.slice(0, SHORTLIST)) {
      const gain = alone[candidate] - deflateRawSync(bodies[candidate], { level: 9, dictionary: written }).length;
      if (gain > bestGain) [next, bestGain] = [candidate, gain];
    }
  }
  return order;
}

/**
 * A name section naming the imports `a000000`... in their order and each defined function
 * `b` and its rank in `order`, so that sorting by name gives that order.
 */
function nameSection(imported, order) {
  const encoder = new TextEncoder();
  const name = (text) => [...u32(text.length), ...encoder.encode(text)];
  const rankOf = new Array(order.length);
  order.forEach((body, rank) => (rankOf[body] = rank));
  const entries = [...u32(imported + order.length)];
  for (let i = 0; i < imported; i++) entries.push(...u32(i), ...name(`a${String(i).padStart(6, "0")}`));
  rankOf.forEach((rank, body) => entries.push(...u32(imported + body), ...name(`b${String(rank).padStart(6, "0")}`)));
  const contents = [...name("name"), 1, ...u32(entries.length), ...entries];
  return Buffer.from([0, ...u32(contents.length), ...contents]);
}
