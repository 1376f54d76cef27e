// Removes what is left of the build machine in a wasm: the standard library's prebuilt code
// carries panic locations under `/rustc/<commit>/` that `--remap-path-prefix` cannot reach (it
// applies to what this build compiles). Each is overwritten in place with a name of the same
// length, so that no offset or length in the module changes.
//
//   node scripts/unplace-wasm.mjs <file.wasm>
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const bytes = readFileSync(file);
const text = bytes.toString('latin1');
const pattern = /\/rustc\/[0-9a-f]{40}\//g;
let count = 0;
const replaced = text.replace(pattern, (found) => {
  count += 1;
  return `/rust/${'_'.repeat(found.length - 7)}/`;
});
if (count > 0) writeFileSync(file, Buffer.from(replaced, 'latin1'));
console.log(`${file}: ${count} toolchain path(s) replaced`);
