// Zeroes, in an optimised wasm, the data that nothing can read any more once a panic is a trap
// (scripts/trap-panics.mjs): the panic locations (file, line, column), the source file names,
// the panic messages and the formatting tables. The code that passed them to the panic
// machinery is gone, but the data stays where the linker put it. Zeros compress to almost
// nothing, and no offset or length in the module changes.
//
// What is zeroed, and when:
// - a location (16 bytes: the address and length of a file name ending in `.rs`, a line and a
//   column) when no instruction, global or element of the module names an address inside it
//   and no data word points into it;
// - a text (8 or more printable ASCII bytes in a row) when nothing names or points to an
//   address inside it or up to 64 bytes before it (a compiler may address `table[i - k]` as
//   `(table - k) + i`), the dead locations left out.
// Any doubt keeps the bytes.
//
//   node scripts/zero-dead-data.mjs <file.wasm>
import binaryen from 'binaryen';
import { readFileSync, writeFileSync } from 'node:fs';
import { leb, readSections, sleb } from './wasm-binary.mjs';

const file = process.argv[2];
const bytes = Buffer.from(readFileSync(file));
const { segments, passive } = readData(bytes);

// Every address the module's code can name directly: constants and load/store offsets.
const module = binaryen.readBinary(bytes);
// Without the data itself: a segment's offset is where the linker put it, not a reference.
const text = module
  .emitText()
  .split('\n')
  .filter((line) => !line.startsWith(' (data '))
  .join('\n');
module.dispose();
const named = [];
for (const m of text.matchAll(/i32\.const (-?\d+)|offset=(\d+)/g)) {
  named.push(Number(m[1] ?? m[2]) >>> 0);
}
named.sort((a, b) => a - b);
const namesInside = (start, end) => {
  // The first named address >= start, by binary search.
  let lo = 0;
  let hi = named.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (named[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < named.length && named[lo] < end;
};

// The data words (4-byte aligned), as address -> value.
const words = new Map();
for (const { address, body } of segments) {
  for (let p = (4 - (address % 4)) % 4; p + 4 <= body.length; p += 4) {
    words.set(address + p, body.readUInt32LE(p));
  }
}

// The texts: 8 or more printable ASCII bytes in a row.
const texts = [];
for (const { address, body } of segments) {
  for (const m of body.toString('latin1').matchAll(/[\x20-\x7e]{8,}/g)) {
    texts.push({ start: address + m.index, end: address + m.index + m[0].length, text: m[0] });
  }
}
// The panic locations: a file name's address and length (a name ending in `.rs`), a line and
// a column.
const fileNames = new Map();
for (const t of texts) {
  for (const m of t.text.matchAll(/[A-Za-z0-9_.\/-]*\/[A-Za-z0-9_.\/-]*\.rs/g)) {
    fileNames.set(t.start + m.index, m[0].length);
  }
}
const locations = [];
for (const [at, value] of words) {
  if (fileNames.get(value) === words.get(at + 4) && words.has(at + 12)) {
    locations.push({ start: at, end: at + 16 });
  }
}

// Whether a data word points into [start, end), leaving out the words of `ignored` locations.
const pointedFrom = (start, end, ignored) => {
  for (const [at, value] of words) {
    if (value < start || value >= end) continue;
    if (ignored.some((l) => at >= l.start && at < l.end)) continue;
    return true;
  }
  return false;
};
const dead = locations.filter((l) => !namesInside(l.start, l.end) && !pointedFrom(l.start, l.end, []));
const deadLocations = dead.length;
// A text is dead when nothing points into it or up to MARGIN bytes before it (a compiler may
// address `table[i - k]` as `(table - k) + i`), but dead locations.
const MARGIN = 64;
for (const t of texts) {
  if (namesInside(t.start - MARGIN, t.end) || pointedFrom(t.start - MARGIN, t.end, dead)) continue;
  dead.push(t);
}

let zeroed = 0;
for (const { start, end } of passive ? [] : dead) {
  for (const { address, body, offset } of segments) {
    const from = Math.max(start, address);
    const to = Math.min(end, address + body.length);
    if (from >= to) continue;
    bytes.fill(0, offset + (from - address), offset + (to - address));
    zeroed += to - from;
  }
}
writeFileSync(file, bytes);
console.error(
  `${file}: ${deadLocations} of ${locations.length} panic locations and ` +
    `${dead.length - deadLocations} texts unreferenced, ${zeroed} bytes zeroed`,
);

/**
 * The data section's active segments (address, body, its offset in the file), and whether
 * there is a passive one (placed at run time, so any byte may be in it).
 */
function readData(wasm) {
  const segments = [];
  let passive = false;
  const section = readSections(wasm).find((s) => s.id === 11);
  if (!section) return { segments, passive };
  const body = section.body;
  let q = 0;
  let count;
  [count, q] = leb(body, q);
  for (let i = 0; i < count; i++) {
    let flags;
    [flags, q] = leb(body, q);
    let address = null;
    if (flags === 2) [, q] = leb(body, q); // memory index
    if (flags === 0 || flags === 2) {
      // An offset expression of the form `i32.const N end`; anything else is not known.
      if (body[q] !== 0x41) throw new Error(`${file}: a data segment's offset is not a constant`);
      [address, q] = sleb(body, q + 1);
      if (body[q++] !== 0x0b) throw new Error(`${file}: a data segment's offset is not a constant`);
    }
    let length;
    [length, q] = leb(body, q);
    if (address === null) passive = true;
    else {
      const offset = section.offset + q;
      segments.push({ address: address >>> 0, body: body.subarray(q, q + length), offset });
    }
    q += length;
  }
  return { segments, passive };
}
