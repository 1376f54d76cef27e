// Prints the gzip -9 size of the package's wasm plus its JS glue; with --max <bytes>, fails
// when the total is over that budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'pkg');
const files = ['session_keeper_bg.wasm', 'session_keeper.js'];
let total = 0;
for (const file of files) {
  const raw = readFileSync(path.join(pkg, file));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${file.padEnd(26)} ${String(raw.length).padStart(8)} B raw ${String(gz).padStart(8)} B gz`);
}
console.log(`${'total'.padEnd(26)} ${' '.repeat(15)} ${String(total).padStart(8)} B gz`);
const at = process.argv.indexOf('--max');
if (at !== -1) {
  const max = Number(process.argv[at + 1]);
  if (!(total <= max)) {
    console.error(`package size ${total} B gz is over the budget of ${max} B gz`);
    process.exit(1);
  }
  console.log(`within the budget of ${max} B gz`);
}
