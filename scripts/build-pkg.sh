#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack's release output (wasm-opt -Oz), merged with
# pkg-template/ (README, package.json fields).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack build --release --target web --out-dir pkg --no-pack >&2
node scripts/merge-pkg.mjs
