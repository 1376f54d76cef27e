#!/usr/bin/env bash
# Mutation testing of the session core with cargo-mutants: each mutant of src/core/ (a changed
# operator, a function that returns a default, a deleted statement) is judged by the native
# suite (core tables, property tests, simulator); a mutant the suite does not catch is a hole
# in the tests, or an equivalent mutant explained in mutants.toml and the README.
#
#   ./scripts/mutants.sh                 # every mutant (hours on 2 cores)
#   ./scripts/mutants.sh --in-diff       # only the lines this branch changed (for CI)
#   ./scripts/mutants.sh --shard 1/4     # a quarter of them
#   SIM_SEEDS=500 ./scripts/mutants.sh   # a faster, blunter simulator
#   MUTANTS_JUDGE=tables ./scripts/mutants.sh   # judged by the core tables alone: about four
#       times faster; what they catch the whole suite catches, so its score is a lower bound
#       (judge its survivors again with the whole suite: `-F` with their functions)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export SIM_SEEDS=${SIM_SEEDS:-2000}
args=()
if [ "${MUTANTS_JUDGE:-suite}" = tables ]; then
  args+=(--cargo-test-arg=--lib)
else
  args+=(--cargo-test-arg=--lib --cargo-test-arg=--test --cargo-test-arg=sim
         --cargo-test-arg=--test --cargo-test-arg=props)
fi
if [ "${1:-}" = "--in-diff" ]; then
  shift
  base=$(git merge-base HEAD "${MUTANTS_BASE:-origin/main}" 2>/dev/null || git rev-parse HEAD~1)
  git diff "$base" -- src/core > target/mutants.diff
  if [ ! -s target/mutants.diff ]; then
    echo "mutants: no change to src/core since $base"
    exit 0
  fi
  args+=(--in-diff target/mutants.diff)
fi
exec cargo mutants --no-shuffle --profile mutants --timeout-multiplier 3 --output "${MUTANTS_OUT:-target}" "${args[@]}" "$@"
