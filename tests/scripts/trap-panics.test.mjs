// scripts/trap-panics.mjs on small hand-made modules named as rustc names them: the formatting
// that only a panic reaches becomes a trap, formatting reachable otherwise fails the build; the
// JSPI waker's vtable becomes a trap only when nothing left can make or call it.
import binaryen from 'binaryen';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const script = path.join(import.meta.dirname, '../../scripts/trap-panics.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'trap-panics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HANDLER = '__rustc[b7974e8690430dd9]::rust_begin_unwind';
const WRITE = 'core[c5930c85a12de822]::fmt::write';
const DISPLAY = '<u32 as core[c5930c85a12de822]::fmt::Display>::fmt';
const PANIC = 'core[c5930c85a12de822]::panicking::panic_fmt';
const RAW_WAKE = 'js_sys::futures::jspi::task_waker::raw_wake::h7ebcde81ef3fdda3';
const TASK_WAKE = 'js_sys::futures::jspi::SpawnedTask::wake::hfad604835794fea1';
const TASK_POLL = 'js_sys::futures::jspi::SpawnedTask::poll::h0a1b2c3d4e5f6a7b';

/**
 * A module with `handler` (the panic handler, unless `false`), `core::fmt::write`, a `Display`
 * impl reached only through the table, `panic_fmt` calling the handler, and an export `run`
 * that panics when its argument is 0 and else calls `calls` (function names) and returns 7.
 * With `waker`, the JSPI waker's `raw_wake` in the table too, calling the task's `wake`; with
 * `poll`, the task's poll as well, exported as `poll` (what wasm-bindgen deletes unless JSPI
 * is used).
 */
function build(file, { handler = true, calls = [], waker = false, poll = false } = {}) {
  binaryen.setDebugInfo(true);
  const m = new binaryen.Module();
  const { i32, none } = binaryen;
  const ii = binaryen.createType([i32, i32]);
  m.addFunction(WRITE, ii, i32, [], m.i32.add(m.local.get(0, i32), m.local.get(1, i32)));
  m.addFunction(DISPLAY, ii, i32, [], m.call(WRITE, [m.local.get(0, i32), m.i32.const(1)], i32));
  if (handler) m.addFunction(HANDLER, i32, none, [], m.block(null, [m.drop(m.call(WRITE, [m.local.get(0, i32), m.i32.const(2)], i32)), m.unreachable()]));
  m.addFunction(PANIC, i32, none, [], handler ? m.call(HANDLER, [m.local.get(0, i32)], none) : m.unreachable());
  if (waker) {
    m.addFunction(TASK_WAKE, ii, i32, [], m.i32.sub(m.local.get(0, i32), m.local.get(1, i32)));
    m.addFunction(RAW_WAKE, ii, i32, [], m.call(TASK_WAKE, [m.local.get(0, i32), m.i32.const(5)], i32));
  }
  if (poll) {
    m.addFunction(TASK_POLL, ii, i32, [], m.i32.mul(m.local.get(0, i32), m.local.get(1, i32)));
    m.addFunctionExport(TASK_POLL, 'poll');
  }
  m.addFunction('run', i32, i32, [], m.block(null, [
    m.if(m.i32.eqz(m.local.get(0, i32)), m.call(PANIC, [m.i32.const(16)], none)),
    ...calls.map((f) => m.drop(m.call(f, [m.i32.const(3), m.i32.const(4)], i32))),
    m.i32.const(7),
  ], i32));
  m.addExport('run', 'run');
  const table = waker ? [DISPLAY, RAW_WAKE] : [DISPLAY];
  m.addTable('table', table.length, table.length);
  m.addActiveElementSegment('table', 'elem', table, m.i32.const(0));
  assert.ok(m.validate());
  writeFileSync(file, m.emitBinary());
  m.dispose();
}

function trap(file) {
  return execFileSync('node', [script, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function bodies(file) {
  binaryen.setDebugInfo(true);
  const m = binaryen.readBinary(readFileSync(file));
  const out = {};
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
    out[info.name] = binaryen.getExpressionId(info.body) === binaryen.UnreachableId ? 'trap' : 'code';
  }
  m.dispose();
  return out;
}

test('the handler and formatting reached only through it or the table become traps', async () => {
  const file = path.join(dir, 'panics.wasm');
  build(file);
  trap(file);
  assert.deepEqual(bodies(file), {
    [WRITE]: 'trap',
    [DISPLAY]: 'trap',
    [HANDLER]: 'trap',
    [PANIC]: 'code',
    run: 'code',
  });
  const { instance } = await WebAssembly.instantiate(readFileSync(file));
  assert.equal(instance.exports.run(1), 7);
  assert.throws(() => instance.exports.run(0), WebAssembly.RuntimeError);
});

test('formatting called without a panic fails the build and names the chain', () => {
  const file = path.join(dir, 'formats.wasm');
  build(file, { calls: [DISPLAY] });
  const before = readFileSync(file);
  assert.throws(() => trap(file), (e) => {
    assert.match(e.stderr, /formatting is reachable without a panic: run -> <u32 as core::fmt::Display>::fmt/);
    return true;
  });
  assert.deepEqual(readFileSync(file), before, 'the wasm is left as it was');
});

test('a module without the panic handler fails the build', () => {
  const file = path.join(dir, 'nohandler.wasm');
  build(file, { handler: false });
  assert.throws(() => trap(file), (e) => {
    assert.match(e.stderr, /no panic handler \(rust_begin_unwind\) found/);
    return true;
  });
});

test('the JSPI waker becomes a trap when nothing left can make it; what only it calls is left to wasm-opt', async () => {
  const file = path.join(dir, 'waker.wasm');
  build(file, { waker: true });
  trap(file);
  const out = bodies(file);
  assert.equal(out[RAW_WAKE], 'trap');
  assert.equal(out[TASK_WAKE], 'code', 'wasm-opt drops it later; the script only traps the vtable');
  const { instance } = await WebAssembly.instantiate(readFileSync(file));
  assert.equal(instance.exports.run(1), 7);
});

test('the JSPI waker is kept when the task poll that makes it is still there', () => {
  const file = path.join(dir, 'polled.wasm');
  build(file, { waker: true, poll: true });
  const run = spawnSync('node', [script, file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /the JSPI waker is kept: js_sys::futures::jspi::SpawnedTask::poll::h0a1b2c3d4e5f6a7b can make or call it/);
  assert.equal(bodies(file)[RAW_WAKE], 'code');
});

test('the JSPI waker is kept when another function calls it directly', () => {
  const file = path.join(dir, 'called.wasm');
  build(file, { waker: true, calls: [RAW_WAKE] });
  const run = spawnSync('node', [script, file], { encoding: 'utf8' });
  assert.match(run.stderr, /the JSPI waker is kept: run can make or call it/);
  assert.equal(bodies(file)[RAW_WAKE], 'code');
});
