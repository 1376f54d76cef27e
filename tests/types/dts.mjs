// Compares the package's generated declarations (pkg/session_keeper.d.ts, pkg/rocketchat.d.ts)
// with the golden copies next to this file, or rewrites the golden copies.
//
//   node tests/types/dts.mjs check    # exit 1 and a unified diff when they differ
//   node tests/types/dts.mjs update   # after an intended change (scripts/update-golden.sh)
//
// The raw exports of the wasm in `InitOutput` (the build renames all but `memory` to `__a`,
// `__b`, ...: wasm-bindgen's plumbing and the pointer-level functions only the glue calls)
// change with any internal edit of the crate without changing what a user can call, so those
// lines are left out of both sides. Everything else — every export of the module, type,
// method and doc comment — must match.

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const PLUMBING = /^\s+readonly (?:__|wasm_bindgen__)[\w$]*:/;

export function normalise(text) {
  const out = [];
  let inInitOutput = false;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (/^export interface InitOutput \{/.test(line)) inInitOutput = true;
    else if (inInitOutput && line === '}') inInitOutput = false;
    else if (inInitOutput && PLUMBING.test(line)) continue;
    out.push(line);
  }
  return out.join('\n');
}

const mode = process.argv[2];
if (mode !== 'check' && mode !== 'update') {
  console.error('usage: node tests/types/dts.mjs check|update');
  process.exit(2);
}
let failed = false;
for (const entry of ['session_keeper', 'rocketchat']) {
  const generated = path.join(root, 'pkg', `${entry}.d.ts`);
  const golden = path.join(here, `${entry}.d.ts.golden`);
  const shown = { generated: `pkg/${entry}.d.ts`, golden: `tests/types/${entry}.d.ts.golden` };
  let current;
  try {
    current = normalise(readFileSync(generated, 'utf8'));
  } catch (error) {
    console.error(`cannot read ${shown.generated}: build the package first (scripts/build-pkg.sh)`);
    process.exit(2);
  }
  if (mode === 'update') {
    writeFileSync(golden, current);
    console.log(`wrote ${shown.golden}`);
    continue;
  }
  let expected;
  try {
    expected = readFileSync(golden, 'utf8');
  } catch {
    expected = '';
  }
  if (expected === current) {
    console.log(`golden .d.ts: ${shown.generated} matches ${shown.golden}`);
    continue;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-dts-'));
  const got = path.join(dir, `${entry}.d.ts`);
  writeFileSync(got, current);
  const diff = spawnSync('diff', ['-u', '--label', shown.golden, '--label', shown.generated, golden, got], {
    encoding: 'utf8',
  });
  rmSync(dir, { recursive: true, force: true });
  console.error(diff.stdout || diff.stderr || '(the golden file is missing)');
  failed = true;
}
if (failed) {
  console.error(
    'golden .d.ts: the generated declarations differ from the golden copies (diff above).\n' +
      'If the change is intended, run scripts/update-golden.sh and commit the golden files with it.',
  );
  process.exit(1);
}
