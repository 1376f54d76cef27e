#!/usr/bin/env bash
# How sharp the simulator is: puts each of twelve deliberate bugs into the session core, one at
# a time, in a scratch copy of the crate, and counts the seeds (of SIM_SEEDS, default 2000)
# whose world the simulator fails. A bug no seed catches is a hole in the simulator.
#
#   ./scripts/sim-bugs.sh            # all twelve
#   ./scripts/sim-bugs.sh 3 7        # only these
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seeds=${SIM_SEEDS:-2000}
scratch=${SIM_BUGS_DIR:-target/sim-bugs}

# name | file | perl substitution (applied once; the run stops when it matches nothing)
bugs=(
  'refresh without the lock|src/core/session/turn.rs|s/if self\.cfg\.cross_tab \{\n            self\.request_lock\(now, env, round\);/if false {\n            self.request_lock(now, env, round);/'
  'the refresh token kept after logout|src/core/session/clearing.rs|s/for suffix in ALL_KEYS \{/for suffix in ALL_KEYS.into_iter().filter(|s| *s != REFRESH_KEY) {/'
  'the session token kept after logout|src/core/session/clearing.rs|s/for suffix in ALL_KEYS \{/for suffix in ALL_KEYS.into_iter().filter(|s| *s != SESSION_KEY) {/'
  'a late answer applied after a logout|src/core/session/answers.rs|s/let ended = \(self\.st\.cleared_at > cleared && self\.st\.cleared_at >= began\)\n\s*\|\| \(self\.st\.meta\.born != born && !learned\)\n\s*\|\| \(had && !self\.st\.has_session\(\)\);/let ended = { let _ = (began, learned, had); false };/'
  'rotations not told to other tabs|src/core/session/adopt.rs|s/fn tell\(&mut self, now: f64\) \{\n        if !self\.cfg\.cross_tab \{/fn tell(&mut self, now: f64) {\n        if true {/'
  'a 5xx treated as the end of the session|src/core/schedule.rs|s/\(ErrorCode::Http, Some\(400\)\) => Failure::Ended,/(ErrorCode::Http, _) => Failure::Ended,/'
  'a timeout treated as the end of the session|src/core/schedule.rs|s/\(ErrorCode::Http, Some\(400\)\) => Failure::Ended,/(ErrorCode::Http, Some(400)) | (ErrorCode::Timeout, _) => Failure::Ended,/'
  'no 1 s minimum|src/core/schedule.rs|s/Some\(due\.max\(now \+ MIN_DELAY_MS\)\.min\(MAX_EPOCH_MS\)\)/Some(due.min(MAX_EPOCH_MS))/'
  'no backoff cap|src/core/schedule.rs|s/\.clamp\(BACKOFF_BASE_MS, BACKOFF_MAX_MS\)/.max(BACKOFF_BASE_MS)/'
  'expiry used instead of nextRefreshSeconds|src/core/schedule.rs|s/\(Some\(seconds\), _, _\) => now \+ seconds \* 1000\.0,/(Some(_), Some(exp), _) | (None, Some(exp), _) => exp - EXPIRY_MARGIN_MS,\n        (Some(seconds), None, _) => now + seconds * 1000.0,/'
  'retry without backoff|src/core/session/answers.rs|s/let delay = retry_delay\(failure, self\.st\.attempt, jitter\)\.unwrap_or\(MIN_DELAY_MS\);/let delay = { let _ = (failure, jitter); MIN_DELAY_MS };/'
  'no revoke of a late answer|src/core/session/calls.rs|s/fn revoke\(&mut self, now: f64, reply: &Result<Reply>\) \{/fn revoke(&mut self, now: f64, reply: &Result<Reply>) {\n        if true { return; }/'
)

mkdir -p "$scratch"
rsync -a --delete --exclude target --exclude node_modules --exclude pkg --exclude .git ./ "$scratch/src-copy/"
export CARGO_TARGET_DIR="$PWD/$scratch/target"
pick=("$@")
for i in "${!bugs[@]}"; do
  n=$((i + 1))
  if [ ${#pick[@]} -gt 0 ] && [[ ! " ${pick[*]} " =~ " $n " ]]; then continue; fi
  IFS='|' read -r name file subst <<< "${bugs[$i]}"
  rsync -a --delete --exclude target --exclude node_modules --exclude pkg --exclude .git ./ "$scratch/src-copy/"
  target="$scratch/src-copy/$file"
  perl -0777 -pe "$subst" "$file" > "$target"
  if cmp -s "$file" "$target"; then
    echo "bug $n ($name): the substitution no longer matches $file" >&2
    exit 1
  fi
  result=$(cd "$scratch/src-copy" && SIM_SEEDS=$seeds SIM_COUNT=1 cargo test --profile mutants --quiet --test sim seeds -- --exact --nocapture 2>/dev/null | grep -E "seeds fail" || echo "did not build")
  printf '%2d  %-45s %s\n' "$n" "$name" "$result"
done
