// Minifies a wasm-bindgen JS glue file and its wasm in place:
// - the wasm's imports get one- or two-letter names (module `a`), and the glue's import object
//   the same keys: wasm-bindgen names each import `__wbg_<name>_<hash>` from
//   `./<entry>_bg.js`, about 60 bytes of the wasm and of the glue per import; the glue of an
//   import the optimised wasm no longer has is dropped;
// - every export of the wasm but `memory` is renamed `__a`, `__b`, ... in the wasm, the glue
//   and `InitOutput` of the .d.ts: the wasm-bindgen plumbing (`__wbindgen_malloc`, closure
//   shims named `wasm_bindgen__convert__closures_____invoke__<hash>`, ...) and the raw ABI
//   functions behind the API (`sessionmanager_refresh(ptr)`, ...), which only the glue can
//   call (pointers in, pointers out); the glue's own exports (the class, `createSession`,
//   `init`) keep their names;
// - the glue goes through rolldown's minifier (the names of the exported class and functions
//   kept): the JSDoc and long helper names are half of its bytes. The .d.ts keeps the docs;
// - it starts with Chrome's explicit compile hint (`//# allFunctionsCalledOnLoad`);
// - wasm-bindgen's three warnings about how the module was loaded say the same in fewer words
//   (`TEXTS`), each found exactly once or the build fails.
//
//   node scripts/minify-glue.mjs target/pkg-session_keeper/session_keeper.js
import { build } from 'rolldown';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { leb, readSections, uleb, writeSections } from './wasm-binary.mjs';

const glue = path.resolve(process.argv[2]);
const wasm = `${path.basename(glue, '.js')}_bg.wasm`;
const wasmPath = path.join(path.dirname(glue), wasm);
const before = readFileSync(glue).length;
const wasmBefore = readFileSync(wasmPath).length;

// wasm-bindgen's texts and what the package says instead: a server that serves the wasm with
// another type (the module still loads, without streaming compilation) and the forms of
// `init`/`initSync` from before their options objects (they still work).
const TEXTS = [
  [
    '"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n"',
    '"session-keeper: the wasm is not served as application/wasm, so it compiles slower:"',
  ],
  [
    "'using deprecated parameters for `initSync()`; pass a single object instead'",
    "'session-keeper: initSync(module) is deprecated, pass { module }'",
  ],
  [
    "'using deprecated parameters for the initialization function; pass a single object instead'",
    "'session-keeper: init(path) is deprecated, pass { module_or_path }'",
  ],
];

const dtsPath = glue.replace(/\.js$/, '.d.ts');
let source = readFileSync(glue, 'utf8');
for (const [long, short] of TEXTS) {
  const found = source.split(long).length - 1;
  if (found !== 1) throw new Error(`wasm-bindgen's text ${long} found ${found} times in the glue`);
  source = source.replace(long, short);
}
const renamed = minifyImports(source, readFileSync(wasmPath));
const exportsRenamed = minifyExports(renamed.glue, renamed.wasm, readFileSync(dtsPath, 'utf8'));
renamed.glue = exportsRenamed.glue;
renamed.wasm = exportsRenamed.wasm;
writeFileSync(dtsPath, exportsRenamed.dts);
const temporary = glue.replace(/\.js$/, '.imports.js');
writeFileSync(temporary, renamed.glue);
writeFileSync(wasmPath, renamed.wasm);

const output = glue.replace(/\.js$/, '.min.js');
await build({
  input: temporary,
  logLevel: 'silent',
  output: {
    format: 'esm',
    // Helper functions get short names; the exported class and functions keep theirs (their
    // `name` is visible to the page).
    minify: {
      compress: true,
      mangle: {
        toplevel: true,
        keepNames: { function: false, class: true },
        reserved: ['__wbg_init', 'initSync'],
      },
    },
    file: output,
  },
  write: true,
});
const text = readFileSync(output, 'utf8');
rmSync(output);
rmSync(temporary);
// The module must still find its wasm next to it and export the same names.
if (!text.includes(wasm) || !/export\s*\{/.test(text)) {
  throw new Error(`minified glue of ${wasm} lost the wasm URL or its exports`);
}
// Most functions of the glue run while the page restores its session (the import object,
// the string and closure helpers, the constructor's): Chrome's compile hint compiles them all
// while the module loads instead of one by one on first call (`bench/cold-start.mjs`).
writeFileSync(glue, `//# allFunctionsCalledOnLoad\n${text}`);
console.error(
  `minified ${path.basename(glue)}: ${before} -> ${text.length} bytes; ` +
    `${wasm}: ${wasmBefore} -> ${renamed.wasm.length} bytes ` +
    `(${renamed.count} imports, ${exportsRenamed.count} exports renamed, ${renamed.dropped} unused imports dropped)`,
);

/** Short property names: a..z, A..Z, $, then two characters. */
function* shortNames() {
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_';
  const next = `${first}0123456789`;
  for (const c of first) yield c;
  for (const c of first) for (const d of next) yield c + d;
}

/**
 * Renames the wasm's imports and the keys of the glue's import object (`const import0 = {...}`
 * in `__wbg_get_imports`). Every import must be found in the glue exactly once, else it throws:
 * a wasm-bindgen whose glue looks different must not produce a module that cannot link.
 */
function minifyImports(js, bytes) {
  const sections = readSections(bytes);
  const section = sections.find((s) => s.id === 2);
  if (!section) return { glue: js, wasm: bytes, count: 0 };
  const imports = readImports(section.body);
  const modules = new Set(imports.map((i) => i.module));
  if (modules.size !== 1) throw new Error(`expected one import module, found ${[...modules]}`);
  const [module] = modules;
  const start = js.indexOf('function __wbg_get_imports() {');
  const end = js.indexOf(`${JSON.stringify(module)}: import0,`, start);
  if (start < 0 || end < 0) throw new Error('the glue has no __wbg_get_imports with import0');
  let head = js.slice(0, start);
  let block = js.slice(start, end);
  let tail = js.slice(end);
  // Functions that wasm-opt found nothing calls (scripts/trap-panics.mjs leaves the panic
  // messages' `debug_string` so) are no longer imported: their glue goes too, and with it the
  // helpers only they used.
  const fields = new Set(imports.map((i) => i.field));
  let dropped = 0;
  block = block.replace(/^( +)([\w$]+): function\(.*\{\n[^]*?^\1\},?\n/gm, (entry, _, field) => {
    if (fields.has(field)) return entry;
    dropped++;
    return '';
  });
  const names = shortNames();
  const map = new Map();
  for (const { field } of imports) {
    if (map.has(field)) continue;
    let short = names.next().value;
    map.set(field, short);
    const key = new RegExp(`^(\\s+)${field.replace(/\$/g, '\\$')}:`, 'gm');
    const found = block.match(key)?.length ?? 0;
    if (found !== 1) throw new Error(`import ${field} found ${found} times in the glue`);
    block = block.replace(key, `$1${short}:`);
  }
  tail = tail.replace(`${JSON.stringify(module)}: import0,`, 'a: import0,');
  const body = writeImports(imports.map((i) => ({ ...i, module: 'a', field: map.get(i.field) })));
  const wasm = writeSections(sections.map((s) => (s === section ? { id: 2, body } : s)), bytes);
  return { glue: head + block + tail, wasm, count: map.size, dropped };
}

/**
 * Renames every export but `memory` (the plumbing and the raw ABI functions, which the glue
 * calls as `wasm.<name>`) in the wasm, the glue and the .d.ts. No lookup by the old name may
 * be left in the glue.
 */
function minifyExports(js, bytes, dts) {
  const sections = readSections(bytes);
  const section = sections.find((s) => s.id === 7);
  if (!section) return { glue: js, wasm: bytes, dts, count: 0 };
  const exports = readExports(section.body);
  const taken = new Set(exports.map((e) => e.name));
  const names = shortNames();
  let count = 0;
  for (const entry of exports) {
    if (entry.name === 'memory') continue;
    let short;
    do short = `__${names.next().value}`;
    while (taken.has(short));
    const escaped = entry.name.replace(/\$/g, '\\$');
    const use = new RegExp(`\\bwasm\\.${escaped}(?![\\w$])`, 'g');
    js = js.replace(use, `wasm.${short}`);
    // Other mentions are the glue's own identifiers (the minifier renames those); a quoted
    // name would be a lookup of the old export.
    if (new RegExp(`\\.${escaped}(?![\\w$])|['"\`]${escaped}['"\`]`).test(js)) {
      throw new Error(`export ${entry.name} is still looked up by name in the glue`);
    }
    dts = dts.replace(new RegExp(`^(\\s+readonly )${escaped}:`, 'm'), `$1${short}:`);
    entry.name = short;
    count++;
  }
  const body = writeExports(exports);
  const wasm = writeSections(sections.map((s) => (s === section ? { id: 7, body } : s)), bytes);
  return { glue: js, wasm, dts, count };
}

function readExports(body) {
  let p = 0;
  const next = () => {
    const [value, at] = leb(body, p);
    p = at;
    return value;
  };
  const count = next();
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = next();
    const name = Buffer.from(body.subarray(p, p + n)).toString('utf8');
    p += n;
    const descStart = p;
    p++; // kind
    next(); // index
    out.push({ name, desc: body.subarray(descStart, p) });
  }
  if (p !== body.length) throw new Error('the export section has trailing bytes');
  return out;
}

function writeExports(exports) {
  const parts = [uleb(exports.length)];
  for (const { name, desc } of exports) {
    const b = Buffer.from(name, 'utf8');
    parts.push(uleb(b.length), b, desc);
  }
  return Buffer.concat(parts);
}

function readImports(body) {
  let p = 0;
  const next = () => {
    const [value, at] = leb(body, p);
    p = at;
    return value;
  };
  const name = () => {
    const n = next();
    const s = Buffer.from(body.subarray(p, p + n)).toString('utf8');
    p += n;
    return s;
  };
  const count = next();
  const out = [];
  for (let i = 0; i < count; i++) {
    const module = name();
    const field = name();
    const descStart = p;
    const kind = body[p++];
    if (kind === 0) next(); // function: type index
    else if (kind === 1) {
      p++; // table: reference type, limits
      const flags = next();
      next();
      if (flags & 1) next();
    } else if (kind === 2) {
      const flags = next(); // memory: limits
      next();
      if (flags & 1) next();
    } else if (kind === 3) p += 2; // global: value type, mutability
    else if (kind === 4) {
      p++; // tag: attribute, type index
      next();
    } else throw new Error(`unknown import kind ${kind}`);
    out.push({ module, field, desc: body.subarray(descStart, p) });
  }
  if (p !== body.length) throw new Error('the import section has trailing bytes');
  return out;
}

function writeImports(imports) {
  const parts = [uleb(imports.length)];
  for (const { module, field, desc } of imports) {
    for (const s of [module, field]) {
      const b = Buffer.from(s, 'utf8');
      parts.push(uleb(b.length), b);
    }
    parts.push(desc);
  }
  return Buffer.concat(parts);
}
