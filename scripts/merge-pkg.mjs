// Merges pkg-template/ into wasm-pack's output in pkg/: the package README and the
// package.json fields that wasm-pack does not write (exports map, type, files, keywords...).
import { readFileSync, writeFileSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'pkg');
const template = path.join(root, 'pkg-template');

const cargo = readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
const version = /^version = "([^"]+)"/m.exec(cargo)[1];

const manifest = JSON.parse(readFileSync(path.join(template, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

for (const file of readdirSync(template)) {
  if (file !== 'package.json') copyFileSync(path.join(template, file), path.join(pkg, file));
}
// The declarations use `[Symbol.dispose]`: a user compiling with a plain `lib` (say
// ["es2022", "dom"]) and `skipLibCheck: false` needs the declaration of that symbol, which the
// reference pulls in from TypeScript's own libs.
const reference = '/// <reference lib="esnext.disposable" />\n';
for (const entry of ['session_keeper', 'rocketchat']) {
  const dts = path.join(pkg, `${entry}.d.ts`);
  const declarations = readFileSync(dts, 'utf8');
  if (!declarations.startsWith(reference)) writeFileSync(dts, reference + declarations);
}

// wasm-pack writes a .gitignore of "*" into pkg/, which would make `npm pack` skip everything.
const ignore = path.join(pkg, '.gitignore');
if (existsSync(ignore)) writeFileSync(ignore, '');
for (const file of manifest.files) {
  if (!existsSync(path.join(pkg, file))) throw new Error(`pkg/${file} is listed in files but missing`);
}
