// The few pieces of the wasm binary format the build scripts read and write
// (scripts/minify-glue.mjs, scripts/zero-dead-data.mjs).

/** The module's sections, in order: id, body, and where the body starts in `bytes`. */
export function readSections(bytes) {
  const out = [];
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    const [size, at] = leb(bytes, p);
    out.push({ id, body: bytes.subarray(at, at + size), offset: at });
    p = at + size;
  }
  return out;
}

/** A module of `sections` (id and body each), with the header of `original`. */
export function writeSections(sections, original) {
  const parts = [original.subarray(0, 8)];
  for (const { id, body } of sections) parts.push(Buffer.from([id]), uleb(body.length), body);
  return Buffer.concat(parts);
}

/** An unsigned LEB128 at `p`: its value and the position after it. */
export function leb(bytes, p) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[p++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, p];
}

/** A signed 32-bit LEB128 at `p`: its value and the position after it (the unsigned reading,
 * sign-extended from its last byte and wrapped to 32 bits). */
export function sleb(bytes, p) {
  const [value, end] = leb(bytes, p);
  const bits = 7 * (end - p);
  const negative = bits < 32 && bytes[end - 1] & 0x40;
  return [(negative ? value - 2 ** bits : value) | 0, end];
}

/** `n` as an unsigned LEB128. */
export function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}
