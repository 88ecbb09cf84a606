#!/usr/bin/env bash
# Builds the MetaLab page with Emscripten into build/web/site/
# (index.html, style.css, loader.js, app.js, app.wasm).
#
# Usage: scripts/build-web.sh
# Environment:
#   METALAB_SKIP_SETUP=1   do not run scripts/setup.sh first (packages, ImGui and
#                          SDL2-for-wasm sources are already there)
#   METALAB_JOBS=N         parallel build jobs (default: number of cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[build-web] %s\n' "$*" >&2; }

defs=()
if [[ "${METALAB_SKIP_SETUP:-0}" != 1 ]]; then
  log "running scripts/setup.sh (set METALAB_SKIP_SETUP=1 to skip)"
  # setup.sh prints the dependency locations as NAME=VALUE on stdout.
  while IFS= read -r line; do
    [[ "$line" =~ ^(METALAB_[A-Z0-9_]+)=(.+)$ ]] && defs+=("-D${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
  done < <("$ROOT/scripts/setup.sh")
fi

for tool in cmake emcc node; do
  command -v "$tool" >/dev/null || { log "ERROR: '$tool' not found; run scripts/setup.sh"; exit 1; }
done

# Debian's emscripten needs Debian's node modules (docs: TOOLCHAIN quirk 1).
export NODE_PATH=/usr/share/nodejs
# Emscripten's toolchain file limits find_package to its sysroot; Eigen is
# header-only and shared with the native build, so point at Debian's copy.
if [[ -f /usr/share/eigen3/cmake/Eigen3Config.cmake ]]; then
  defs+=("-DEigen3_DIR=/usr/share/eigen3/cmake")
fi

log "configuring (cmake --preset web)"
cmake --preset web "${defs[@]+"${defs[@]}"}" >&2
log "building"
start=$(date +%s)
cmake --build --preset web -j "${METALAB_JOBS:-$(nproc)}" >&2
site="$ROOT/build/web/site"
for f in index.html app.js app.wasm; do
  [[ -f "$site/$f" ]] || { log "ERROR: $site/$f missing after the build"; exit 1; }
done
log "done in $(( $(date +%s) - start )) s: $site ($(du -k "$site/app.wasm" | cut -f1) KB wasm, $(du -k "$site/app.js" | cut -f1) KB js)"
