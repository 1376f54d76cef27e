#!/usr/bin/env bash
# Builds the package and serves the demo page with a local Descope/Rocket.Chat-compatible
# devserver (short session lifetimes, so refreshes are visible). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/setup.sh
./scripts/build-pkg.sh
cargo build -p devserver --quiet
port=${PORT:-8787}
echo
echo "session-keeper demo: open http://localhost:${port}/ (open it in a second tab too)"
echo
exec target/debug/devserver --port "$port" --control --www www --pkg pkg \
  --session-ttl 90 --next-refresh-seconds 15
