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

// `createSession(options)` (API.md §1): one awaited call that initialises the module on first
// use (once, however many calls; a failed initialisation is tried again by the next call) and
// constructs the manager. Added to the glue's own module so that it shares its `init`.
{
  const glue = path.join(pkg, 'session_keeper.js');
  let code = readFileSync(glue, 'utf8');
  const exports = /export\s*\{([^}]*)\};?\s*$/.exec(code);
  const init = exports && /(?:^|,)\s*([\w$]+)\s+as\s+default\s*(?:,|$)/.exec(exports[1]);
  if (!init) throw new Error('session_keeper.js: no `export { … as default }` to build createSession on');
  if (!/\bcreateSession\b/.test(exports[1])) {
    // The glue's init already shares one instantiation between concurrent calls and forgets
    // a failed one (see minify-glue.mjs); checked here so that the promise above holds.
    if (!/\.catch\(\(\)=>\{\w+=void 0\}\)/.test(code)) {
      throw new Error('session_keeper.js: init() no longer shares and resets its instantiation');
    }
    const create = `async function createSession(o){await ${init[1]}();return new SessionManager(o)}`;
    code = code.slice(0, exports.index) + create + `export{${exports[1]},createSession};\n`;
    writeFileSync(glue, code);
  }
  const dts = path.join(pkg, 'session_keeper.d.ts');
  const declarations = readFileSync(dts, 'utf8');
  const declaration = `/**
 * Initialises the module on first use (once, however many calls; after a failed
 * initialisation the next call tries again) and constructs a {@link SessionManager}: one call,
 * like the official SDK's \`createSdk\`, for apps that do not manage \`init()\`.
 */
export function createSession(options: SessionManagerOptions): Promise<SessionManager>;
`;
  const at = declarations.indexOf('export type InitInput');
  if (at < 0) throw new Error('session_keeper.d.ts: no InitInput to place createSession before');
  if (!declarations.includes('export function createSession(')) {
    writeFileSync(dts, declarations.slice(0, at) + declaration + '\n' + declarations.slice(at));
  }
}

// wasm-pack writes a .gitignore of "*" into pkg/, which would make `npm pack` skip everything.
const ignore = path.join(pkg, '.gitignore');
if (existsSync(ignore)) writeFileSync(ignore, '');
for (const file of manifest.files) {
  if (!existsSync(path.join(pkg, file))) throw new Error(`pkg/${file} is listed in files but missing`);
}
