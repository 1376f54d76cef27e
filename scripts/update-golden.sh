#!/usr/bin/env bash
# Rewrites the golden copy of the package's declarations (tests/types/session_keeper.d.ts.golden)
# from pkg/session_keeper.d.ts. Run it after an intended change to the JS API and commit the
# golden file in the same commit. Pass --build to build the package first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--build" ]; then
  ./scripts/build-pkg.sh
fi
node tests/types/dts.mjs update
git --no-pager diff --stat -- tests/types/session_keeper.d.ts.golden || true
