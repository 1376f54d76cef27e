#!/usr/bin/env bash
# Checks the built package in pkg/ the way a user meets it:
#   1. the generated declarations against the golden copy (tests/types/session_keeper.d.ts.golden);
#   2. `npm pack`, and the tarball installed into a fresh directory, imported by Node;
#   3. `tsc --strict --noEmit` on a TypeScript user of the installed tarball (tests/types/);
#   4. the tarball installed into a minimal Vite app (tests/vite-app/) and built with Vite into
#      tests/vite-app/dist, which tests/demo/vite-app.test.mjs then drives in Chromium.
# Needs scripts/build-pkg.sh first, and the root dev tools (npm ci). Idempotent; reaches no
# network (the tarball has no dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'check-package: %s\n' "$*"; }
npm_quiet() { npm --no-audit --no-fund --loglevel=error --no-update-notifier "$@"; }

[ -f pkg/session_keeper.js ] || { echo "check-package: pkg/ is not built (run scripts/build-pkg.sh)" >&2; exit 1; }
[ -x node_modules/.bin/tsc ] && [ -x node_modules/.bin/vite ] \
  || { echo "check-package: the root dev tools are missing (run scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sk-check-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The golden comparison and tsc report every problem before the script fails, so that one run
# shows all that changed.
failed=()

say "golden declarations"
node tests/types/dts.mjs check || failed+=("golden .d.ts")

say "npm pack"
(cd pkg && npm_quiet pack --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/session-keeper-*.tgz)
ls -l "$tarball" | awk '{print "check-package: tarball " $5 " bytes"}'
# Everything a user needs is in it, nothing else.
tar -tzf "$tarball" | sort > "$work/contents"
printf '%s\n' package/LICENSE package/README.md package/package.json package/session_keeper.d.ts \
  package/session_keeper.js package/session_keeper_bg.wasm package/session_keeper_bg.wasm.d.ts \
  package/rocketchat.d.ts package/rocketchat.js package/rocketchat_bg.wasm \
  package/rocketchat_bg.wasm.d.ts \
  | sort > "$work/expected"
if ! diff -u "$work/expected" "$work/contents"; then
  echo "check-package: unexpected tarball contents (diff above)" >&2
  exit 1
fi

# install_tarball <dir>: a lockfile-free install of the tarball alone into <dir>/node_modules.
install_tarball() {
  rm -rf "$1/node_modules/session-keeper"
  (cd "$1" && npm_quiet install --no-save --no-package-lock "$tarball")
}

say "fresh directory: install and import with Node"
mkdir -p "$work/fresh"
printf '{ "name": "fresh", "private": true, "type": "module" }\n' > "$work/fresh/package.json"
install_tarball "$work/fresh"
(cd "$work/fresh" && node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { createRequire } from "node:module";
  import init, { initSync, SessionManager } from "session-keeper";
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve("session-keeper/package.json"), "utf8"));
  const wasm = readFileSync(new URL(import.meta.resolve("session-keeper/session_keeper_bg.wasm")));
  if (typeof init !== "function" || typeof SessionManager !== "function") throw new Error("missing exports");
  initSync({ module: wasm });
  let error;
  try { new SessionManager({ projectId: "" }); } catch (e) { error = e; }
  if (error?.name !== "SessionError" || error.code !== "invalid_argument") {
    throw new Error(`expected a SessionError invalid_argument, got ${error?.name} ${error?.code}`);
  }
  console.log(`check-package: ${manifest.name}@${manifest.version} imports and instantiates (${wasm.length} B wasm)`);
  const rc = await import("session-keeper/rocketchat");
  const rcWasm = readFileSync(new URL(import.meta.resolve("session-keeper/rocketchat_bg.wasm")));
  rc.initSync({ module: rcWasm });
  if (typeof rc.RocketChatSession !== "function") throw new Error("session-keeper/rocketchat lacks RocketChatSession");
  console.log(`check-package: session-keeper/rocketchat imports and instantiates (${rcWasm.length} B wasm)`);
')

say "tsc --strict --noEmit on tests/types/consumer.ts"
install_tarball tests/types
if node_modules/.bin/tsc -p tests/types/tsconfig.json; then
  say "types ok"
else
  failed+=("tsc --strict on tests/types/consumer.ts")
fi

say "Vite build of tests/vite-app"
install_tarball tests/vite-app
node_modules/.bin/vite build --config tests/vite-app/vite.config.js
ls tests/vite-app/dist/assets/*.wasm >/dev/null 2>&1 \
  || { echo "check-package: the Vite build emitted no .wasm asset" >&2; exit 1; }
say "built tests/vite-app/dist: $(cd tests/vite-app/dist && find . -type f | sort | tr '\n' ' ')"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'check-package: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
say "ok"
