#!/usr/bin/env bash
# What takes the bytes of the Descope entry: builds it with names kept, makes its panics traps,
# minifies its imports and exports and optimises it as the package build does
# (scripts/build-pkg.sh), and prints twiggy's view grouped by crate and module.
#
#   ./scripts/size-report.sh [feature]   # default: descope
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
feature=${1:-descope}
command -v twiggy >/dev/null || cargo install --quiet twiggy --version 0.8.0
cargo build --quiet --release --target wasm32-unknown-unknown --lib --no-default-features --features "$feature"
out=target/size-report
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --keep-debug --target web --out-dir "$out" target/wasm32-unknown-unknown/release/session_keeper.wasm
node scripts/trap-panics.mjs "$out/session_keeper_bg.wasm" 2>/dev/null
node scripts/minify-glue.mjs "$out/session_keeper.js" 2>/dev/null
node_modules/.bin/wasm-opt "$out/session_keeper_bg.wasm" --merge-similar-functions -Oz --converge -ocimfs 15 -aimfs 6 -g --strip-dwarf \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "$out/named.wasm"
node scripts/zero-dead-data.mjs "$out/named.wasm" 2>/dev/null
twiggy top -n 100000 --format csv "$out/named.wasm" > "$out/top.csv"
node scripts/size-groups.mjs "$out/top.csv"
