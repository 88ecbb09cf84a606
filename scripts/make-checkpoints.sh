#!/usr/bin/env bash
# Regenerates the pretrained checkpoints in assets/checkpoints/ with the exact
# commands used for them: the sinusoid setup of Finn et al. 2017 (MLP 1-40-40-1
# ReLU, K = 10, meta-batch 25, alpha 0.01, beta 0.001 Adam, 1 inner step,
# 70,000 meta-iterations, seed 0), MAML with the pretrain baseline trained on
# the same task batches. Takes a few minutes on one core.
#
#   scripts/make-checkpoints.sh [path/to/metalab]
#
# Training is deterministic (same seed -> same weights, for any --threads), so
# rerunning this reproduces the committed files bit for bit on the same
# compiler and CPU flags (floating-point results may differ in the last bits
# across compilers or SIMD widths).
set -euo pipefail
cd "$(dirname "$0")/.."
METALAB=${1:-build/native-release/native/metalab}
if [[ ! -x "$METALAB" ]]; then
  echo "make-checkpoints: $METALAB not found; build it first:" >&2
  echo "  cmake --preset native-release && cmake --build build/native-release --target metalab" >&2
  exit 1
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p assets/checkpoints

# Full, resumable checkpoints (weights + Adam state + Rng state) and the
# metrics (JSON lines) go to a temporary folder.
"$METALAB" train --learner maml --task sinusoid --support 10 --query 10 \
  --hidden 40,40 --activation relu --inner-lr 0.01 --inner-steps 1 --outer-lr 0.001 --meta-batch 25 \
  --iterations 70000 --seed 0 --threads 1 --with-baselines --val-every 1000 --val-tasks 100 \
  --metrics "$WORK/sinusoid-maml.metrics.jsonl" --metrics-every 100 --log-every 5000 --progress lines \
  --out "$WORK/sinusoid-maml.safetensors"

# Small copies for the page: weights, config and task description only (~7 KB).
"$METALAB" export "$WORK/sinusoid-maml.safetensors" assets/checkpoints/sinusoid-maml.safetensors
"$METALAB" export "$WORK/sinusoid-maml.pretrain.safetensors" assets/checkpoints/sinusoid-maml.pretrain.safetensors

# The table of Finn et al.: 1,000 held-out tasks, 0..10 steps, MAML vs pretrain vs scratch.
"$METALAB" eval assets/checkpoints/sinusoid-maml.safetensors --tasks 1000 --steps 10 --seed 1
