// Prints the gzip -9 size of each entry of the package (its wasm plus its JS glue); with
// --check, fails when an entry grows past its budget in scripts/size-budget ("<entry> <bytes>"
// per line), or when the package README states another size (in kB, rounded) than measured.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'pkg');
const budgets = Object.fromEntries(
  readFileSync(path.join(root, 'scripts', 'size-budget'), 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, bytes]) => name && !name.startsWith('#') && bytes)
    .map(([name, bytes]) => [name, Number(bytes)]),
);
const check = process.argv.includes('--check');
// Nothing of the machine that built the package may be in it (panic locations name source
// files): no home directory, cargo registry, rustup toolchain or `/rustc/<commit>` path.
const home = process.env.HOME;
const machine = ['.cargo/registry', '.rustup', '/rustc/', ...(home && home !== '/' ? [home] : [])];
let over = false;
// What the package README says each entry weighs: "about <n> kB gzipped for the Descope entry"
// and "the Rocket.Chat entry about <n> kB".
const readme = readFileSync(path.join(root, 'pkg-template', 'README.md'), 'utf8').replace(/\s+/g, ' ');
const stated = {
  session_keeper: /about (\d+) kB gzipped for the Descope entry/.exec(readme)?.[1],
  rocketchat: /the Rocket\.Chat entry about (\d+) kB/.exec(readme)?.[1],
};
for (const entry of ['session_keeper', 'rocketchat']) {
  let total = 0;
  for (const file of [`${entry}_bg.wasm`, `${entry}.js`]) {
    const raw = readFileSync(path.join(pkg, file));
    const gz = gzipSync(raw, { level: 9 }).length;
    const text = raw.toString('latin1');
    for (const needle of machine.filter((n) => text.includes(n))) {
      console.error(`${file} contains the build machine's path ${JSON.stringify(needle)}`);
      over = true;
    }
    total += gz;
    console.log(`${file.padEnd(26)} ${String(raw.length).padStart(8)} B raw ${String(gz).padStart(8)} B gz`);
  }
  const budget = budgets[entry];
  console.log(`${(`${entry} total`).padEnd(26)} ${' '.repeat(15)} ${String(total).padStart(8)} B gz  (budget ${budget})`);
  if (check && !(total <= budget)) {
    console.error(`${entry}: ${total} B gz is over its budget of ${budget} B gz`);
    over = true;
  }
  const kb = Math.round(total / 1000);
  if (check && Number(stated[entry]) !== kb) {
    console.error(`${entry}: the package README says about ${stated[entry]} kB, the build is ${kb} kB (${total} B gz)`);
    over = true;
  }
}
if (over) process.exit(1);
if (check) console.log('within the budgets');
