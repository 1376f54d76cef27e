// scripts/zero-dead-data.mjs on a hand-made module: the locations, file names and texts that
// nothing names or points to are zeroed; what code or live data reaches is kept.
import binaryen from 'binaryen';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const script = path.join(import.meta.dirname, '../../scripts/zero-dead-data.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'zero-dead-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = 1024;
const u32 = (n) => Buffer.from(new Uint32Array([n]).buffer);

/**
 * Data at BASE laid out from `parts`: a string, or a list of u32 words (a number, or
 * `{ at: name }` for the address of a named part); each part 128 bytes from the last (further
 * than the script's margin). `read` lists the parts the code loads from, `[name, before]` for
 * an address `before` bytes ahead of it.
 */
function build(file, parts, read) {
  const at = {};
  let size = 0;
  for (const [name, value] of parts) {
    at[name] = BASE + size;
    size += Math.ceil((typeof value === 'string' ? value.length : 4 * value.length) / 128) * 128;
  }
  const data = Buffer.alloc(size);
  for (const [name, value] of parts) {
    const chunk = typeof value === 'string'
      ? Buffer.from(value, 'latin1')
      : Buffer.concat(value.map((w) => u32(typeof w === 'number' ? w : at[w.at])));
    chunk.copy(data, at[name] - BASE);
  }
  const m = new binaryen.Module();
  m.setMemory(1, 1, null, [{ offset: m.i32.const(BASE), data, passive: false }]);
  const loads = read.map(([name, before = 0]) => m.drop(m.i32.load(0, 1, m.i32.const(at[name] - before))));
  m.addFunction('run', binaryen.none, binaryen.none, [], m.block(null, loads));
  m.addFunctionExport('run', 'run');
  m.addMemoryExport('0', 'memory');
  assert.ok(m.validate());
  writeFileSync(file, m.emitBinary());
  m.dispose();
  return { at, data };
}

/** Runs the script; its report. */
function zero(file) {
  const run = spawnSync('node', [script, file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr;
}

/** The memory at BASE once the module is instantiated (and its code still runs). */
function dataOf(file, length) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)));
  exports.run();
  return Buffer.from(exports.memory.buffer, BASE, length);
}

const name = 'src/core/mod.rs';
const parts = [
  ['deadName', name],
  ['liveName', 'src/shell/web.rs'],
  ['deadLocation', [{ at: 'deadName' }, name.length, 7, 9]],
  ['liveLocation', [{ at: 'liveName' }, 'src/shell/web.rs'.length, 3, 1]],
  ['message', 'capacity overflow'],
  ['table', 'abcdefghijklmnop'],
  ['pointed', 'read through a pointer in data'],
  ['pointer', [{ at: 'pointed' }]],
  ['kept', 'named by the code'],
];

test('what nothing reaches is zeroed, what code or live data reaches is kept', () => {
  const file = path.join(dir, 'data.wasm');
  // The code reads the live location, the table from 8 bytes before it, the pointer to
  // `pointed`, and `kept`.
  const { at, data } = build(file, parts, [['liveLocation'], ['table', 8], ['pointer'], ['kept']]);
  const out = zero(file);
  const after = dataOf(file, data.length);
  const slice = (part, length) => after.subarray(at[part] - BASE, at[part] - BASE + length);
  const zeroes = (n) => Buffer.alloc(n);
  assert.deepEqual(slice('deadName', name.length), zeroes(name.length), 'the dead file name');
  assert.deepEqual(slice('deadLocation', 16), zeroes(16), 'the dead location');
  assert.deepEqual(slice('message', 17), zeroes(17), 'the dead message');
  assert.equal(slice('liveName', 16).toString('latin1'), 'src/shell/web.rs', 'a live location\'s name');
  assert.notDeepEqual(slice('liveLocation', 16), zeroes(16), 'the live location');
  assert.equal(slice('table', 16).toString('latin1'), 'abcdefghijklmnop', 'a table named from before it');
  assert.equal(slice('pointed', 30).toString('latin1'), 'read through a pointer in data');
  assert.equal(slice('kept', 17).toString('latin1'), 'named by the code');
  assert.match(out, /1 of 2 panic locations and 2 texts unreferenced, \d+ bytes zeroed/);
});
