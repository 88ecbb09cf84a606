#!/usr/bin/env bash
# The test command: installs what is missing, builds natively (Release, -O3)
# and runs every test with ctest, including the browser end-to-end test
# (which builds the page with Emscripten and drives it in headless Chromium).
#
# Usage: scripts/test.sh [--sanitize] [ctest args...]
#   --sanitize   also build the native-debug preset (AddressSanitizer +
#                UndefinedBehaviorSanitizer) and run the native suites under it
# Environment: METALAB_JOBS=N build jobs (default: number of cores)
#   METALAB_FUZZ_SECONDS=S  the short fuzz pass: every fuzz target over its
#                corpus, then S seconds of fuzzing each (default 30: 13 targets,
#                about 3.5 min on 2 cores after the build; 0 skips it); any finding fails
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[test] %s\n' "$*" >&2; }
SANITIZE=0
if [[ "${1:-}" == "--sanitize" ]]; then SANITIZE=1; shift; fi
JOBS="${METALAB_JOBS:-$(nproc)}"

start=$(date +%s)
defs=()
while IFS= read -r line; do
  [[ "$line" =~ ^(METALAB_[A-Z0-9_]+)=(.+)$ ]] && defs+=("-D${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
done < <("$ROOT/scripts/setup.sh")
log "setup done in $(( $(date +%s) - start )) s"

# The browser and PyTorch tests must run, not skip, when this script drives them.
export METALAB_REQUIRE_BROWSER=1
export METALAB_REQUIRE_TORCH=1

log "configuring native-release"
cmake --preset native-release "${defs[@]+"${defs[@]}"}" >/dev/null
log "building native-release with $JOBS jobs"
cmake --build --preset native-release -j "$JOBS"
log "running ctest (native-release, browser included)"
ctest --preset native-release -j 1 "$@"

FUZZ_SECONDS="${METALAB_FUZZ_SECONDS:-30}"
if [[ "$FUZZ_SECONDS" -gt 0 ]]; then
  log "short fuzz pass: ${FUZZ_SECONDS} s a target (scripts/fuzz.sh; the long run: scripts/fuzz.sh with no argument)"
  # Every target (ctest above has already replayed each one's corpus and regressions).
  METALAB_JOBS="$JOBS" "$ROOT/scripts/fuzz.sh" "$FUZZ_SECONDS"
fi

if [[ $SANITIZE -eq 1 ]]; then
  log "configuring native-debug (ASan + UBSan)"
  cmake --preset native-debug "${defs[@]+"${defs[@]}"}" >/dev/null
  cmake --build --preset native-debug -j "$JOBS"
  log "running ctest under sanitizers (browser test excluded: it tests the page, not native code)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset native-debug -j 1 -LE "browser|slow" "$@"
fi
log "all done in $(( $(date +%s) - start )) s"
