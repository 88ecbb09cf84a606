#!/usr/bin/env bash
# Installs everything MetaLab needs on Debian 12, idempotently and quickly when
# it is all already there:
#   - Debian packages for the native build, the wasm build and browser tests;
#   - Dear ImGui 1.86 and SDL2 2.26.5 sources from Debian's source packages;
#   - SDL2 compiled for WebAssembly, cached outside the tree keyed by version;
#   - playwright-core (npm) into tests/browser/node_modules and wasm-feature-detect
#     (npm) into web/node_modules (both git-ignored).
# Usage: scripts/setup.sh [--native-only]
# Prints the cache paths as shell assignments on its last lines (see env.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${METALAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metalab}"
IMGUI_VERSION=1.86
SDL2_VERSION=2.26.5
NATIVE_ONLY=0
mkdir -p "$CACHE/src"
[[ "${1:-}" == "--native-only" ]] && NATIVE_ONLY=1

log() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# python3-torch: native/python/metalab_torch.py and the PyTorch round-trip test (tests/torch).
# clang + libclang-rt-14-dev (libFuzzer, ASan, UBSan): the fuzz targets (scripts/fuzz.sh, tests/fuzz).
NATIVE_PKGS=(cmake make g++ pkg-config libeigen3-dev libsdl2-dev libgl-dev googletest libgtest-dev
             libgmock-dev libcli11-dev nlohmann-json3-dev libstb-dev libbenchmark-dev zlib1g-dev
             dpkg-dev ca-certificates python3-torch clang libclang-rt-14-dev)
# dataset-fashion-mnist: the page ships 100 images a class of its test set.
# fonts-droid-fallback + python3-fonttools: the page's Chinese glyphs, subset at build time (web/CMakeLists.txt).
WEB_PKGS=(emscripten nodejs npm chromium fonts-dejavu-core dataset-fashion-mnist fonts-droid-fallback
          python3-fonttools)
PKGS=("${NATIVE_PKGS[@]}")
[[ $NATIVE_ONLY -eq 0 ]] && PKGS+=("${WEB_PKGS[@]}")

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node and npm may come from elsewhere (e.g. a preinstalled nodesource build): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$CACHE/apt-install.log" 2>&1 \
    || { log "ERROR: apt-get install failed; see $CACHE/apt-install.log"; tail -20 "$CACHE/apt-install.log" >&2; exit 1; }
else
  log "Debian packages: all present"
fi



# --- Dear ImGui sources (used by both the native window and the wasm build) ---
IMGUI_SRC="$CACHE/src/imgui-$IMGUI_VERSION"
fetch_source() {  # $1 = source package, $2 = wanted upstream version, $3 = destination
  local pkg=$1 ver=$2 dest=$3
  [[ -d "$dest" ]] && return 0
  if [[ ! -f /etc/apt/sources.list.d/debian-src.sources ]]; then
    log "enabling Debian source indexes"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      | $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    $SUDO apt-get update -qq
  fi
  local work; work="$(mktemp -d "$CACHE/src/.fetch-XXXXXX")"
  log "fetching Debian source package $pkg"
  (cd "$work" && apt-get source -qq --download-only "$pkg" >&2 && dpkg-source -x --skip-patches ./*.dsc unpacked >&2) \
    || { log "ERROR: could not fetch source package $pkg"; rm -rf "$work"; exit 1; }
  # Debian's source must carry the upstream version we pin.
  if ! ls "$work"/*.dsc | grep -q "_${ver}"; then
    log "ERROR: $pkg source is $(ls "$work"/*.dsc), expected version $ver"; rm -rf "$work"; exit 1
  fi
  mv "$work/unpacked" "$dest"
  rm -rf "$work"
}
fetch_source imgui "$IMGUI_VERSION" "$IMGUI_SRC"
[[ -f "$IMGUI_SRC/imgui.cpp" ]] || { log "ERROR: $IMGUI_SRC/imgui.cpp missing"; exit 1; }

if [[ $NATIVE_ONLY -eq 0 ]]; then
  # --- SDL2 for WebAssembly, built once and cached by version ---
  SDL2_SRC="$CACHE/src/libsdl2-$SDL2_VERSION"
  SDL2_WASM="$CACHE/sdl2-wasm-$SDL2_VERSION"
  if [[ ! -f "$SDL2_WASM/lib/libSDL2.a" ]]; then
    fetch_source libsdl2 "$SDL2_VERSION" "$SDL2_SRC"
    log "building SDL2 $SDL2_VERSION for wasm (once; about 5 minutes on 2 cores)"
    export NODE_PATH=/usr/share/nodejs
    bdir="$CACHE/sdl2-wasm-build-$SDL2_VERSION"
    rm -rf "$bdir" && mkdir -p "$bdir"
    (cd "$bdir" && emcmake cmake "$SDL2_SRC" -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$SDL2_WASM.tmp" >"$bdir/configure.log" 2>&1 \
      && emmake make -j"$(nproc)" >"$bdir/build.log" 2>&1 && make install >"$bdir/install.log" 2>&1) \
      || { log "ERROR: SDL2 wasm build failed; logs in $bdir"; exit 1; }
    rm -rf "$SDL2_WASM" && mv "$SDL2_WASM.tmp" "$SDL2_WASM"
    # the installed cmake/pkgconfig files name the .tmp prefix; the build only needs include/ and lib/
    rm -rf "$bdir"
  else
    log "SDL2 wasm: cached at $SDL2_WASM"
  fi

  # --- npm packages, each folder's package.json pinning its version:
  #     playwright-core for the browser tests (never downloads a browser);
  #     wasm-feature-detect for the page (web/CMakeLists.txt copies it into the site).
  npm_ci() {  # $1 = folder with package.json, $2 = package
    local dir=$1 pkg=$2 want have
    want=$(sed -n "s/.*\"$pkg\": *\"\([^\"]*\)\".*/\1/p" "$dir/package.json")
    have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$dir/node_modules/$pkg/package.json" 2>/dev/null || true)
    if [[ "$have" != "$want" ]]; then
      log "installing $pkg $want into ${dir#"$ROOT"/}/node_modules (found '${have:-none}')"
      (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent >&2)
    else
      log "$pkg: present"
    fi
  }
  npm_ci "$ROOT/tests/browser" playwright-core
  npm_ci "$ROOT/web" wasm-feature-detect
fi

echo "METALAB_IMGUI_DIR=$IMGUI_SRC"
[[ $NATIVE_ONLY -eq 0 ]] && echo "METALAB_SDL2_WASM_DIR=$SDL2_WASM"
exit 0
