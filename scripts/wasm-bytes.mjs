// The few pieces of the WebAssembly binary format that the build's rewriters
// (panic-trap.mjs, minify-imports.mjs, order-functions.mjs) and bench/wasm-top.mjs read and write.

/** Reads an unsigned LEB128 number at `pos`: `[value, position after it]`. */
export function readU32(bytes, pos) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

/** Writes `value` as unsigned LEB128 bytes. */
export function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

/** The module's sections in order: `{ id, header, start, end }` (`start..end` the contents). */
export function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error("not a wasm module");
  const found = [];
  for (let pos = 8; pos < bytes.length; ) {
    const id = bytes[pos];
    const [size, start] = readU32(bytes, pos + 1);
    found.push({ id, header: pos, start, end: start + size });
    pos = start + size;
  }
  return found;
}

/**
 * Reads an import's description (what follows its module and field names) at `pos`:
 * `{ kind, end }`, kind 0 a function, 1 a table, 2 a memory, 3 a global, 4 a tag.
 */
export function importDescription(bytes, pos) {
  const kind = bytes[pos++];
  if (kind === 0 || kind === 4) {
    if (kind === 4) pos++; // tag: attribute
    [, pos] = readU32(bytes, pos); // type index
  } else if (kind === 1 || kind === 2) {
    if (kind === 1) pos++; // table: reference type
    const flags = bytes[pos++];
    [, pos] = readU32(bytes, pos);
    if (flags & 1) [, pos] = readU32(bytes, pos);
  } else if (kind === 3) pos += 2; // global: value type, mutability
  else throw new Error(`import of unknown kind ${kind}`);
  return { kind, end: pos };
}

/** The module with `section` replaced by a section `id` holding `contents`. */
export function withSection(bytes, section, id, contents) {
  return Buffer.concat([bytes.subarray(0, section.header), Buffer.from([id, ...u32(contents.length)]), contents, bytes.subarray(section.end)]);
}
