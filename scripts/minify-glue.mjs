// Minifies a wasm-bindgen JS glue file in place (rolldown's minifier, class and function names
// kept): the JSDoc and long helper names are half of its bytes. The .d.ts keeps the docs.
//
//   node scripts/minify-glue.mjs target/pkg-session_keeper/session_keeper.js
import { build } from 'rolldown';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const glue = path.resolve(process.argv[2]);
const wasm = `${path.basename(glue, '.js')}_bg.wasm`;
const before = readFileSync(glue).length;
const temporary = glue.replace(/\.js$/, '.min.js');
await build({
  input: glue,
  logLevel: 'silent',
  output: { format: 'esm', minify: true, keepNames: true, file: temporary },
  write: true,
});
const text = readFileSync(temporary, 'utf8');
rmSync(temporary);
// The module must still find its wasm next to it and export the same names.
if (!text.includes(wasm) || !/export\s*\{/.test(text)) {
  throw new Error(`minified glue of ${wasm} lost the wasm URL or its exports`);
}
writeFileSync(glue, text);
console.error(`minified ${path.basename(glue)}: ${before} -> ${text.length} bytes`);
