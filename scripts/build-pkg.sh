#!/usr/bin/env bash
# Builds the npm package into pkg/: one wasm per entry, so that an app downloads only the facade
# it uses — `session-keeper` (SessionManager, feature `descope`) and `session-keeper/rocketchat`
# (RocketChatSession, feature `rocketchat`). Each is wasm-pack's release output, optimised with
# wasm-opt (binaryen 132 from npm: Debian's wasm-opt 108 writes the externref table export
# to the wrong table), its JS glue minified; then merged with pkg-template/ (README,
# package.json fields).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# -Oz after merging functions that differ only in constants; a whole-program flow analysis
# (GUFA: constants and unreachable code it proves); flattened and re-looped and -Oz twice, the
# merge again and -Oz, until it converges (the GUFA and second rounds: -178 B gz). Functions
# with one caller are inlined only when small (-ocimfs 15; binaryen's default inlines them
# whatever their size), tiny ones everywhere (-aimfs 6): about 1 KB less after gzip than
# plain -Oz. Memory starts zero-filled and its first 1 KB is never used (the stack ends above
# it): binaryen may drop zero data and fold small constant offsets (-357 B gz with the
# re-looping). The producers and target-features sections are for tools, not browsers.
WASM_OPT_PASSES="--zero-filled-memory --low-memory-unused --merge-similar-functions -Oz --gufa-optimizing --flatten --rereloop -Oz --flatten --rereloop -Oz --merge-similar-functions -Oz --converge -ocimfs 15 -aimfs 6 --strip-producers --strip-target-features"

# The package must not depend on the machine that built it: panic locations name source files,
# which would carry this machine's paths (the cargo registry, this checkout, and the toolchain's
# `rust-src`, which turns the standard library's `/rustc/<commit>` into a local path). They are
# mapped to fixed names, the standard library's back to `/rustc/<commit>`, which
# scripts/unplace-wasm.mjs then overwrites in the wasm (the prebuilt standard library carries
# it too): every machine builds the same bytes, with or without `rust-src`.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
sysroot=$(rustc --print sysroot)
commit=$(rustc -vV | sed -n 's/^commit-hash: //p')
remap=(
  "--remap-path-prefix=$sysroot/lib/rustlib/src/rust=/rustc/$commit"
  "--remap-path-prefix=$PWD=/session-keeper"
)
for registry in "$cargo_home"/registry/src/*/; do
  remap+=("--remap-path-prefix=${registry%/}=/deps")
done
CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f'; printf '%s' "${remap[*]}")
export CARGO_ENCODED_RUSTFLAGS

# entry <out-name> <cargo feature>
# A panic is a trap in the package, as it always was, without the message formatting before
# it that nobody could see (scripts/trap-panics.mjs); then wasm-opt, the data only panics read
# zeroed (scripts/zero-dead-data.mjs), and the glue minified.
entry() {
  local out="target/pkg-$1"
  rm -rf "$out"
  wasm-pack build --release --target web --out-dir "$out" --out-name "$1" --no-pack \
    -- --no-default-features --features "$2" >&2
  node scripts/trap-panics.mjs "$out/$1_bg.wasm"
  node_modules/.bin/wasm-opt "$out/$1_bg.wasm" $WASM_OPT_PASSES \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$out/$1_bg.wasm"
  node scripts/zero-dead-data.mjs "$out/$1_bg.wasm"
  node scripts/minify-glue.mjs "$out/$1.js"
  node scripts/unplace-wasm.mjs "$out/$1_bg.wasm"
  cp "$out/$1.js" "$out/$1_bg.wasm" "$out/$1.d.ts" "$out/$1_bg.wasm.d.ts" pkg/
}

rm -rf pkg
mkdir -p pkg
entry session_keeper descope
entry rocketchat rocketchat
node scripts/merge-pkg.mjs
