#!/usr/bin/env bash
# The page's speed against native speed, on this machine, in one run: builds
# the portable benchmark (native/bench/portable) natively (preset
# native-release) and for WebAssembly (preset web, run under node), runs both
# on every case, interleaved (rounds alternate which target goes first), and
# prints one line per case, then the smallest ratio:
#
#   CASE native_ms wasm_ms ratio          (ratio = native time / wasm time)
#   min ratio R
#
# Times are medians over rounds of each run's median repetition; the range of
# the rounds' medians goes to stderr. By default repetitions are timed in CPU
# time (the machine may be shared: waiting for a core is not the benchmark's
# time); --clock wall times them by the wall clock.
#
# Usage: scripts/bench-web.sh [--rounds N] [--clock cpu|wall] [--min-ms MS] [--case NAME]...
#                             [--native-sse2 | --native-dir DIR] [--wasm-dir DIR] [--threads N]
#   --rounds N       rounds of (native, wasm) runs per case (default 3)
#   --min-ms MS      each run times repetitions for at least MS ms (default 1500)
#   --case NAME      only this case (repeatable; bench_portable --list names them)
#   --native-sse2    compare with native code of wasm SIMD's vector width: build/native-sse2,
#                    configured (once) as native-release with -DMETALAB_NATIVE_ARCH=OFF
#   --native-dir D   the native build to compare with (default build/native-release)
#   --wasm-dir D     the WebAssembly build (default build/web)
#   --threads N      pass --threads N to both (cases with a meta-batch spread it over
#                    N threads; use --clock wall and a wasm build configured with
#                    -DMETALAB_WASM_THREADS=ON, e.g. cmake --preset web -B build/web-threads)
# Environment: METALAB_SKIP_SETUP=1 skips scripts/setup.sh (as build-web.sh);
#              METALAB_JOBS=N build jobs (default: number of cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[bench-web] %s\n' "$*" >&2; }
die() { printf 'bench-web: %s\n' "$*" >&2; exit 2; }

ROUNDS=3 CLOCK=cpu MIN_MS=1500 THREADS=""
NATIVE_DIR="$ROOT/build/native-release" WASM_DIR="$ROOT/build/web"
CASES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a positive integer"; ROUNDS=$2; shift 2 ;;
    --clock) [[ "${2:-}" == cpu || "${2:-}" == wall ]] || die "--clock must be cpu or wall"; CLOCK=$2; shift 2 ;;
    --min-ms) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--min-ms needs a number of milliseconds"; MIN_MS=$2; shift 2 ;;
    --case) [[ -n "${2:-}" ]] || die "--case needs a name"; CASES+=("$2"); shift 2 ;;
    --native-dir) [[ -n "${2:-}" ]] || die "--native-dir needs a folder"; NATIVE_DIR=$(realpath -m "$2"); shift 2 ;;
    --native-sse2) NATIVE_DIR="$ROOT/build/native-sse2"; shift ;;
    --wasm-dir) [[ -n "${2:-}" ]] || die "--wasm-dir needs a folder"; WASM_DIR=$(realpath -m "$2"); shift 2 ;;
    --threads) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--threads needs a positive integer"; THREADS=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

defs=()
if [[ "${METALAB_SKIP_SETUP:-0}" != 1 ]]; then
  log "running scripts/setup.sh (set METALAB_SKIP_SETUP=1 to skip)"
  while IFS= read -r line; do
    [[ "$line" =~ ^(METALAB_[A-Z0-9_]+)=(.+)$ ]] && defs+=("-D${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
  done < <("$ROOT/scripts/setup.sh")
fi
JOBS="${METALAB_JOBS:-$(nproc)}"
export NODE_PATH=/usr/share/nodejs   # Debian's emcc needs Debian's node modules (TOOLCHAIN quirk 1)

# Configures a build folder the first time (with its preset when it is the
# preset's folder), then builds only the benchmark.
build() {  # $1 = preset, $2 = folder
  local preset=$1 dir=$2
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    local extra=()
    if [[ "$dir" == "$ROOT/build/native-sse2" ]]; then
      extra+=(-B "$dir" -DMETALAB_NATIVE_ARCH=OFF -DMETALAB_BUILD_TESTS=OFF)
    elif [[ "$dir" != "$ROOT/build/$preset" ]]; then
      die "$dir is not configured (configure it first, e.g. from preset $preset)"
    fi
    [[ $preset == web && -f /usr/share/eigen3/cmake/Eigen3Config.cmake ]] && extra+=("-DEigen3_DIR=/usr/share/eigen3/cmake")
    log "configuring $preset"
    cmake --preset "$preset" "${defs[@]+"${defs[@]}"}" "${extra[@]+"${extra[@]}"}" >&2
  fi
  log "building bench_portable in ${dir#"$ROOT"/}"
  cmake --build "$dir" -j "$JOBS" --target bench_portable >&2
}
build native-release "$NATIVE_DIR"
build web "$WASM_DIR"
NATIVE_BIN="$NATIVE_DIR/native/bench/portable/bench_portable"
WASM_JS="$WASM_DIR/native/bench/portable/bench_portable.js"
[[ -x "$NATIVE_BIN" ]] || die "$NATIVE_BIN missing after the build"
[[ -f "$WASM_JS" ]] || die "$WASM_JS missing after the build"

if [[ ${#CASES[@]} -eq 0 ]]; then
  mapfile -t CASES < <("$NATIVE_BIN" --list | awk '{print $1}')
fi
args=(--clock "$CLOCK" --min-ms "$MIN_MS")
[[ -n "$THREADS" ]] && args+=(--threads "$THREADS")

# One run of one case on one target: prints its median in ms.
run() {  # $1 = native|wasm, $2 = case
  local out
  if [[ $1 == native ]]; then
    out=$("$NATIVE_BIN" --case "$2" "${args[@]}")
  else
    out=$(node "$WASM_JS" --case "$2" "${args[@]}")
  fi
  awk -v c="$2" '$1 == c { print $2; found = 1 } END { exit !found }' <<<"$out" \
    || { printf 'bench-web: no result for %s on %s:\n%s\n' "$2" "$1" "$out" >&2; exit 1; }
}

declare -A times
log "$ROUNDS rounds x ${#CASES[@]} cases, clock $CLOCK, at least $MIN_MS ms a run"
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CASES[@]}"; do
    if (( r % 2 )); then order=(native wasm); else order=(wasm native); fi
    for t in "${order[@]}"; do
      ms=$(run "$t" "$c")
      times[$c.$t]+="$ms "
      log "round $r: $c $t $ms ms"
    done
  done
done

# Median and range of the rounds' medians, per case and target.
summary=$(for c in "${CASES[@]}"; do echo "$c ${times[$c.native]}| ${times[$c.wasm]}"; done | awk '
  function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    nn = 0; nw = 0; side = 0
    for (i = 2; i <= NF; i++) {
      if ($i == "|") { side = 1; continue }
      if (side) w[++nw] = $i; else n[++nn] = $i
    }
    lo_n = hi_n = n[1]; for (i = 1; i <= nn; i++) { if (n[i] < lo_n) lo_n = n[i]; if (n[i] > hi_n) hi_n = n[i] }
    lo_w = hi_w = w[1]; for (i = 1; i <= nw; i++) { if (w[i] < lo_w) lo_w = w[i]; if (w[i] > hi_w) hi_w = w[i] }
    mn = med(n, nn); mw = med(w, nw)
    printf "%s %.4g %.4g %.2f %.4g %.4g %.4g %.4g\n", $1, mn, mw, mn / mw, lo_n, hi_n, lo_w, hi_w
  }')
log "ranges over rounds (native; wasm), ms:"
awk '{ printf "[bench-web]   %-24s %s-%s; %s-%s\n", $1, $5, $6, $7, $8 }' <<<"$summary" >&2
awk '{ print $1, $2, $3, $4 }' <<<"$summary"
awk 'NR == 1 || $4 < m { m = $4 } END { printf "min ratio %.2f\n", m }' <<<"$summary"
