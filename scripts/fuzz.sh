#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz, the `fuzz` preset: clang, libFuzzer,
# ASan + UBSan) in build/fuzz and runs each for SECONDS; exits non-zero on any
# finding (a crash, a broken contract, a leak, an input slower than the
# timeout or a process past the memory limit). The inputs are kept in
# build/fuzz/findings/<target>/; the corpus grown by earlier runs in
# build/fuzz/corpus/<target>/ (the committed seeds stay as they are).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  per target (default 1800: the long run of tests/fuzz/README.md;
#            scripts/test.sh runs a short pass)
#   TARGET   csv structure_table idx image image_folder fasta stockholm nifti
#            safetensors json_config url_hash upload lesson (default: all)
# Environment:
#   METALAB_FUZZ_JOBS=N  targets fuzzed at once (default: number of cores)
#   METALAB_JOBS=N       build jobs (default: number of cores)
# Limits (tests/fuzz/README.md): every input within 1 s (-timeout=1; the page
# uploads 4 s, since an upload that loads rebuilds the page), the process
# within 2048 MB (-rss_limit_mb, and so is every single allocation).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[fuzz] %s\n' "$*" >&2; }

SECONDS_PER_TARGET="${1:-1800}"
[[ $# -gt 0 ]] && shift
ALL=(csv structure_table idx image image_folder fasta stockholm nifti safetensors json_config url_hash upload lesson)
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL[@]}")
JOBS="${METALAB_FUZZ_JOBS:-$(nproc)}"

# Per target: dictionary, largest input, timeout (s).
declare -A DICT=([csv]=csv [structure_table]=structure [idx]=idx [image]=image [image_folder]=image
                 [fasta]=fasta [stockholm]=stockholm [nifti]=nifti [safetensors]=safetensors [json_config]=json
                 [url_hash]=url_hash [upload]=upload [lesson]=lesson)
declare -A MAX_LEN=([csv]=4096 [structure_table]=4096 [idx]=4096 [image]=16384 [image_folder]=32768
                    [fasta]=4096 [stockholm]=8192 [nifti]=8192 [safetensors]=16384 [json_config]=4096
                    [url_hash]=1024 [upload]=16384 [lesson]=8192)
declare -A TIMEOUT=([upload]=4)

for t in "${TARGETS[@]}"; do
  [[ -n "${DICT[$t]:-}" ]] || { log "ERROR: unknown target '$t' (targets: ${ALL[*]})"; exit 2; }
done
command -v clang++ >/dev/null || { log "ERROR: clang++ not found (Debian: clang, libclang-rt-14-dev; scripts/setup.sh)"; exit 1; }

BUILD="$ROOT/build/fuzz"
log "configuring (cmake --preset fuzz)"
cmake --preset fuzz >/dev/null
log "building ${#TARGETS[@]} targets"
cmake --build --preset fuzz -j "${METALAB_JOBS:-$(nproc)}" --target "${TARGETS[@]/#/metalab_fuzz_}" >/dev/null

run_one() {  # $1 = target
  local t=$1 bin="$BUILD/tests/fuzz/metalab_fuzz_$1"
  local corpus="$BUILD/corpus/$t" findings="$BUILD/findings/$t/"
  mkdir -p "$corpus" "$findings" "$BUILD/logs"
  local inputs=("$ROOT/tests/fuzz/corpus/$t")
  [[ -d "$ROOT/tests/fuzz/regressions/$t" ]] && inputs+=("$ROOT/tests/fuzz/regressions/$t")
  # New inputs go to the first folder (build/fuzz/corpus); the committed ones are only read.
  "$bin" "$corpus" "${inputs[@]}" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout="${TIMEOUT[$t]:-1}" -rss_limit_mb=2048 \
    -max_len="${MAX_LEN[$t]}" -dict="$ROOT/tests/fuzz/dict/${DICT[$t]}.dict" -use_value_profile=1 \
    -artifact_prefix="$findings" -print_final_stats=1 >"$BUILD/logs/$t.log" 2>&1
}

log "fuzzing ${#TARGETS[@]} targets for ${SECONDS_PER_TARGET} s each, $JOBS at a time (logs: build/fuzz/logs/)"
start=$(date +%s)
declare -A PID=()
failed=()
running=0
finish_one() {  # waits for any target, records a failure
  local done_pid rc=0 t  # t: local, or it would overwrite the caller's loop variable
  wait -n -p done_pid || rc=$?
  for t in "${!PID[@]}"; do
    if [[ ${PID[$t]} == "$done_pid" ]]; then
      unset "PID[$t]"
      [[ $rc -ne 0 ]] && failed+=("$t")
    fi
  done
  running=$((running - 1))
}
for t in "${TARGETS[@]}"; do
  [[ $running -ge $JOBS ]] && finish_one
  run_one "$t" &
  PID[$t]=$!
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do finish_one; done

# The summary: executions, speed, corpus and memory of each target.
total=0
printf '%-16s %12s %9s %8s %8s  %s\n' target executions exec/s corpus rss_mb result >&2
for t in "${TARGETS[@]}"; do
  f="$BUILD/logs/$t.log"
  if [[ ! -f $f ]]; then failed+=("$t"); printf '%-16s  no log: it did not run\n' "$t" >&2; continue; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$f" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$f" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$f" | tail -1)
  corp=$(grep -o 'corp: [0-9]*' "$f" | tail -1 | cut -d' ' -f2)
  result=ok
  for x in "${failed[@]+"${failed[@]}"}"; do [[ $x == "$t" ]] && result="FINDING (build/fuzz/logs/$t.log, build/fuzz/findings/$t/)"; done
  total=$((total + ${execs:-0}))
  printf '%-16s %12s %9s %8s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "${corp:-?}" "${rss:-?}" "$result" >&2
done
log "$total executions in $(( $(date +%s) - start )) s"
if [[ ${#failed[@]} -gt 0 ]]; then
  log "FAILED: ${failed[*]}: reproduce with build/fuzz/tests/fuzz/metalab_fuzz_<target> <input>; fix, then add the input to tests/fuzz/regressions/<target>/"
  for t in "${failed[@]}"; do grep -m1 -B2 -A12 -E "ERROR|FUZZ CONTRACT|timeout|out-of-memory" "$BUILD/logs/$t.log" >&2 || true; done
  exit 1
fi
