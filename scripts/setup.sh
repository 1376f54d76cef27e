#!/usr/bin/env bash
# Installs what the project needs on a Debian 12 machine with rustup and Node 20, skipping what
# is already there, so a second run takes seconds. Run as root (apt-get) or with sudo on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
CARGO_MUTANTS_VERSION=27.1.0
# The CLI must match the wasm-bindgen crate pinned with `=` in Cargo.toml exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: no pinned wasm-bindgen version in Cargo.toml" >&2; exit 1; }

export PATH="$HOME/.cargo/bin:$PATH"
say() { printf 'setup: %s\n' "$*"; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

missing_debs=()
for pkg in chromium chromium-driver firefox-esr binaryen; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_debs+=("$pkg")
done
if [ ${#missing_debs[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing_debs[*]}"
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_debs[@]}"
fi

# cargo_tool <binary> <crate> <version> <version-probe-args...>
cargo_tool() {
  local bin=$1 crate=$2 version=$3; shift 3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" "$@" 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  say "cargo install $crate $version (slow on 2 cores: several minutes)"
  # --locked when the published lockfile still resolves (a yanked pin can break it).
  cargo install --locked --quiet --force "$crate" --version "$version" \
    || cargo install --quiet --force "$crate" --version "$version"
}
cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION" --version
cargo_tool wasm-pack wasm-pack "$WASM_PACK_VERSION" --version
cargo_tool geckodriver geckodriver "$GECKODRIVER_VERSION" --version
# Mutation testing of the core (scripts/mutants.sh).
cargo_tool cargo-mutants cargo-mutants "$CARGO_MUTANTS_VERSION" mutants --version

# npm ci only when the lockfile changed since the last install.
if [ -f package-lock.json ]; then
  stamp=node_modules/.setup-lock-sha
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
fi
say "ready"
