// Makes a panic in the wasm what it already is, a trap, without the formatting code that used
// to come before it.
//
// The package is built with `panic = "abort"` for wasm32-unknown-unknown. There a panic runs
// the standard library's hook, which formats the message and writes it to stderr, and stderr
// does nothing on that target; then it aborts with `unreachable`. Nothing of the message is
// ever seen, but the formatting machinery (`core::fmt`, the panic payloads, the `Display` and
// `Debug` impls of the values a message could show) stays in the wasm: the hook reaches it,
// and the function table keeps it whatever wasm-opt proves about the hook.
//
// This script replaces, in the wasm that wasm-bindgen wrote and before wasm-opt:
// - the panic handler (`rust_begin_unwind`) and the allocation-error handler by a trap: the
//   outcome is the same trap, reached sooner;
// - the formatting functions and the panic payloads' methods by a trap, after proving that
//   nothing else can call them: from every export, every table entry that is not itself one
//   of them, and the start function, no chain of direct calls reaches one, and no function so
//   reached formats (a function of `core::fmt` or `alloc::fmt`, a `Formatter`'s,
//   `ToString`'s or a `fmt` method). Else the build fails and names the chain.
//
//   node scripts/trap-panics.mjs target/pkg-session_keeper/session_keeper_bg.wasm
import binaryen from 'binaryen';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2];
const features = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
];
// Crate hashes (`core[c5930c85a12de822]`) differ between toolchains; the rules ignore them.
const plain = (name) => name.replace(/\[[0-9a-f]+\]/g, '');
const HANDLER = /^__rustc::(rust_begin_unwind|__rust_alloc_error_handler)$/;
const FORMATTING = /core::fmt::|as core::panic::PanicPayload>|^core::str::count::/;
const FORMATS = /\b(core|alloc|std)::fmt\b|Formatter|alloc::string::ToString|::fmt(::h[0-9a-f]+)?$/;
// `core::panicking` is the panic entry points (`panic_fmt`, ...), which never return: all they
// do is call the handler.
const PANICS = /^core::panicking::/;

// Direct calls, exports and table entries, as binaryen sees them.
const wasmOpt = path.join(import.meta.dirname, '../node_modules/.bin/wasm-opt');
const dot = execFileSync(wasmOpt, [file, ...features, '--print-call-graph', '-o', '/dev/null'], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
const calls = new Map();
const roots = [];
const imports = new Set();
for (const line of dot.split('\n')) {
  const edge = /^ {2}"(.+)" -> "(.+)"; \/\/ call$/.exec(line);
  if (edge) {
    if (!calls.has(edge[1])) calls.set(edge[1], []);
    calls.get(edge[1]).push(edge[2]);
    continue;
  }
  const node = /^ {2}"(.+)" \[style="filled(, rounded)?"(?:, fillcolor="(\w+)")?\];$/.exec(line);
  if (!node) continue;
  if (node[3] === 'turquoise') imports.add(node[1]);
  else if (node[3] === 'gray' || node[2]) roots.push(node[1]);
}

binaryen.setDebugInfo(true);
const module = binaryen.readBinary(readFileSync(file));
const start = module.getStart();
if (start) roots.push(binaryen.getFunctionInfo(start).name);
// js-sys's JSPI waker and what can make it (see below).
const JSPI_WAKER = /^js_sys::futures::jspi::task_waker::raw_\w+::h[0-9a-f]+$/;
const JSPI_ENTRY = /__wbg_jspi_task_poll|^js_sys::futures::jspi::(spawn_promising|task_waker::h|SpawnedTask::poll)/;
const handlers = [];
const formatting = new Set();
const waker = new Set();
let entry;
for (let i = 0; i < module.getNumFunctions(); i++) {
  const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
  const name = plain(info.name);
  if (JSPI_ENTRY.test(name)) entry ??= info.name;
  if (info.module) continue;
  if (HANDLER.test(name)) handlers.push(info);
  else if (FORMATTING.test(name)) formatting.add(info.name);
  else if (JSPI_WAKER.test(name)) waker.add(info.name);
}
if (!handlers.some((h) => plain(h.name) === '__rustc::rust_begin_unwind')) {
  throw new Error(`${file}: no panic handler (rust_begin_unwind) found: has the toolchain renamed it?`);
}

// The functions that can only end in the handlers' trap: their body never completes (binaryen
// types it `unreachable`: every path ends in a trap, none returns), and nothing they call,
// directly or not, is JS (an import, or a call through the table, which may be one). These are
// the panic entry points (`panic_fmt`, `unwrap_failed`, `capacity_overflow`, a `RefCell`'s
// `panic_already_borrowed`, ...): each stores its message's parts in its stack frame and calls
// the handler, and a trap does not undo the stores, so wasm-opt must keep them. Made a trap
// at their start, the stack below the stack pointer holds different garbage when the module
// traps; nothing else differs, and their callers drop the locations and messages they passed.
const handlerNames = new Set(handlers.map((h) => h.name));
const jsFree = new Map();
const callsJs = (f) => {
  if (handlerNames.has(f)) return false;
  if (imports.has(f)) return true;
  if (jsFree.has(f)) return !jsFree.get(f);
  jsFree.set(f, true); // a cycle adds nothing
  const info = binaryen.getFunctionInfo(module.getFunction(f));
  const js = /\(call_indirect|\(return_call_indirect/.test(binaryen.emitText(info.body)) ||
    (calls.get(f) ?? []).some(callsJs);
  jsFree.set(f, !js);
  return js;
};
const diverging = new Set();
for (let i = 0; i < module.getNumFunctions(); i++) {
  const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
  if (info.module || handlerNames.has(info.name) || formatting.has(info.name)) continue;
  if (binaryen.getExpressionType(info.body) !== binaryen.unreachable) continue;
  if (/\((return|return_call|return_call_indirect)\b/.test(binaryen.emitText(info.body))) continue;
  if (!callsJs(info.name)) diverging.add(info.name);
}

// js-sys's JSPI tasks, which the package never runs: the four functions of their wakers'
// vtable stay only because the vtable, in the data, names them through the table. Such a
// waker is made by `task_waker` alone, for `SpawnedTask::poll`, which only the export
// `__wbg_jspi_task_poll` calls, and wasm-bindgen deletes that export (and so all three) in a
// module without `#[wasm_bindgen(jspi)]` exports. If none of them is left, and nothing else
// calls the vtable's functions, no such waker can exist: they become traps, and wasm-opt drops
// what only they reached (the task's `wake`, its drop, the poll intrinsic's shim).
const wakerCaller = [...calls].find(([f, to]) => !waker.has(f) && to.some((g) => waker.has(g)));
const deadWaker = entry || wakerCaller ? [] : [...waker];
if (waker.size && !deadWaker.length) {
  console.error(`${path.basename(file)}: the JSPI waker is kept: ${plain(entry ?? wakerCaller[0])} can make or call it`);
}

// Everything reachable by direct calls once the handlers trap; the formatting functions must
// not be among it, nor anything that formats.
const trapped = new Set([...handlerNames, ...formatting, ...diverging, ...deadWaker]);
const from = new Map();
const queue = roots.filter((r) => !trapped.has(r));
for (const r of queue) from.set(r, null);
while (queue.length) {
  const f = queue.shift();
  if (trapped.has(f)) continue;
  for (const g of calls.get(f) ?? []) {
    if (from.has(g)) continue;
    from.set(g, f);
    queue.push(g);
  }
}
const chain = (f) => {
  const out = [];
  for (let g = f; g !== null && g !== undefined; g = from.get(g)) out.unshift(plain(g));
  return out.join(' -> ');
};
for (const f of from.keys()) {
  if (formatting.has(f) || (!imports.has(f) && !trapped.has(f) && !PANICS.test(plain(f)) && FORMATS.test(plain(f)))) {
    throw new Error(`${file}: formatting is reachable without a panic: ${chain(f)}`);
  }
}

for (const name of trapped) {
  const info = binaryen.getFunctionInfo(module.getFunction(name));
  module.removeFunction(name);
  module.addFunction(name, info.params, info.results, [], module.unreachable());
}
writeFileSync(file, module.emitBinary());
console.error(
  `${path.basename(file)}: panic and alloc-error handlers, ${diverging.size} functions that only end ` +
    `in them, ${formatting.size} formatting functions and ${deadWaker.length} of the JSPI waker made traps`,
);
