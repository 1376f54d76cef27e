#!/usr/bin/env bash
# Checks the built package in pkg/ the way a user meets it (filled in by the package issue).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "package checks: none yet"
