#!/usr/bin/env bash
# Runs every test: Rust unit tests, devserver HTTP tests, the package build and its size budget,
# browser tests in Chrome and Firefox, the conformance test with Descope's SDK, and the
# end-to-end, type, bundler and demo tests. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check
cargo fmt --manifest-path examples/rust-app/Cargo.toml -- --check

step "native tests: crate (unit + doc) and devserver (HTTP)"
cargo test --workspace --quiet
# The Rust API (features `rust` and `serde`, off by default): its unit tests and doctests.
cargo test --quiet --features rust,serde --lib -- rust::
# (src/lib.rs: the crate docs' Rust guide, src/rust/guide.md, is in the docs with `rust` only.)
cargo test --quiet --features rust,serde --doc -- rust:: src/lib.rs
# The crate's docs as docs.rs builds them (features `rust` and `serde`): no warnings.
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --features rust,serde

step "devserver build"
cargo build -p devserver --quiet
# The devserver binary wherever cargo builds (a shared CARGO_TARGET_DIR too); the node tests
# read DEVSERVER_BIN.
export DEVSERVER_BIN="${DEVSERVER_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/devserver}"

step "package build and size"
./scripts/build-pkg.sh
node scripts/size.mjs --check

step "browser tests (wasm-bindgen-test) against a devserver"
port=${SK_DEVSERVER_PORT:-18787}
export SK_DEVSERVER="http://127.0.0.1:${port}"
"$DEVSERVER_BIN" --port "$port" --control > target/devserver-wasm-tests.log 2>&1 &
devserver_pid=$!
trap 'kill $devserver_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "listening" target/devserver-wasm-tests.log 2>/dev/null && break
  sleep 0.1
done
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-600}
# Only the browser test target (tests/browser/): the doctests already ran natively above.
# `--features rust`: the Rust API's tests (tests/browser/rust_api.rs) run with the others.
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --features rust --test '*'
# --nocapture: Firefox cannot read cookie attributes back; the tests say so in the output.
GECKODRIVER="$HOME/.cargo/bin/geckodriver" wasm-pack test --headless --firefox -- --features rust --test '*' -- --nocapture
# The example app of the Rust API (examples/rust-app, its own workspace) on the same
# devserver, built in this repository's target directory.
example_target="${CARGO_TARGET_DIR:-$PWD/target}"
CARGO_TARGET_DIR="$example_target" CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome examples/rust-app
CARGO_TARGET_DIR="$example_target" GECKODRIVER="$HOME/.cargo/bin/geckodriver" wasm-pack test --headless --firefox examples/rust-app
kill $devserver_pid 2>/dev/null || true
trap - EXIT

step "package checks: golden .d.ts, tsc --strict consumer, npm pack + Vite app"
./scripts/check-package.sh

step "conformance with @descope/web-js-sdk, end-to-end, demo and framework tests (Chromium)"
node --test --test-concurrency=1 tests/conformance/ tests/e2e/ tests/demo/ tests/frameworks/ tests/scripts/

echo
echo "all tests passed"
