// Groups twiggy's `top` (CSV) by crate and module: the contributor table of the README.
//
//   node scripts/size-groups.mjs target/size-report/top.csv
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').slice(1);
const groups = new Map();
let total = 0;
for (const row of rows) {
  const match = /^"?(.*?)"?,(\d+),/.exec(row);
  if (!match) continue;
  const [, name, bytes] = match;
  if (name.includes('function names') || name.includes('custom section')) continue;
  const size = Number(bytes);
  total += size;
  groups.set(group(name), (groups.get(group(name)) ?? 0) + size);
}
function group(name) {
  if (name.startsWith('data segment')) return 'data (strings, tables)';
  if (/^(import|export|type\[|table|elem|global|memory)/.test(name)) return 'wasm sections (imports, exports, types)';
  if (/externref shim|wasm_bindgen::|__wbindgen|__externref|wasm-bindgen/.test(name)) return 'wasm-bindgen glue and shims';
  const own = /session_keeper::(core::\w+|shell::\w+|\w+)/.exec(name);
  if (own) return `session_keeper::${own[1]}`;
  if (/dlmalloc|__rdl_|__rust_alloc|__rust_dealloc|__rust_realloc|alloc::alloc/.test(name)) return 'allocator';
  if (/core::fmt|<\w+ as core::fmt|Formatter|fmt::write|Display|Debug|panic|unicode|printable/.test(name)) return 'core::fmt and panics';
  const krate = /^<?(?:<)?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  if (krate) return krate[1];
  return 'other';
}
const sorted = [...groups.entries()].sort((a, b) => b[1] - a[1]);
console.log(`| bytes (optimised, before gzip) | share | what |`);
console.log(`|---:|---:|---|`);
for (const [name, bytes] of sorted) {
  if (bytes < total * 0.005) continue;
  console.log(`| ${bytes} | ${((bytes / total) * 100).toFixed(1)} % | ${name} |`);
}
console.log(`| ${total} | 100 % | total |`);
