#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack's release output, optimised with wasm-opt -Oz
# (binaryen 132 from npm: Debian's wasm-opt 108 writes the externref table export to the wrong
# table), the JS glue minified, merged with pkg-template/ (README, package.json fields).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack build --release --target web --out-dir pkg --no-pack >&2
node_modules/.bin/wasm-opt pkg/session_keeper_bg.wasm -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o pkg/session_keeper_bg.wasm
node scripts/minify-glue.mjs
node scripts/merge-pkg.mjs
