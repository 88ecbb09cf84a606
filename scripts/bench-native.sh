#!/usr/bin/env bash
# MetaLab's speed against PyTorch on one core, side by side in one run: builds
# the benchmark programs (native-release preset), then runs each case and its
# PyTorch peer (native/bench/torch/*.py, Debian's python3-torch) interleaved,
# round after round, and prints one line per case: MetaLab ms, PyTorch ms and
# the ratio, as ranges over the rounds (native/bench/torch/compare.py).
#
#   scripts/bench-native.sh [--rounds N] [--cases protonet,maml,mann,maml_conv4]
set -euo pipefail
cd "$(dirname "$0")/.."
# The peers need Debian's Python with torch (the `python3` on PATH may be another build).
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  echo "[bench-native] installing python3-torch" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3-torch >&2
fi
[[ -f build/native-release/CMakeCache.txt ]] || cmake --preset native-release >/dev/null
cmake --build build/native-release -j2 --target bench_maml bench_protonet bench_mann >/dev/null
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
exec /usr/bin/python3 native/bench/torch/compare.py --build build/native-release "$@"
