// Minifies wasm-bindgen's JS glue in pkg/ in place (rolldown's minifier, class and function
// names kept): the JSDoc and long helper names are half of its bytes. The .d.ts keeps the docs.
import { build } from 'rolldown';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'pkg');
const glue = path.join(pkg, 'session_keeper.js');
const before = readFileSync(glue).length;
const temporary = path.join(pkg, 'session_keeper.min.js');
await build({
  input: glue,
  logLevel: 'silent',
  output: { format: 'esm', minify: true, keepNames: true, file: temporary },
  write: true,
});
const text = readFileSync(temporary, 'utf8');
rmSync(temporary);
// The module must still find its wasm next to it and export the same names.
if (!text.includes('session_keeper_bg.wasm') || !/export\s*\{/.test(text)) {
  throw new Error('minified glue lost the wasm URL or its exports');
}
const { writeFileSync } = await import('node:fs');
writeFileSync(glue, text);
console.error(`minified the JS glue: ${before} -> ${text.length} bytes`);
