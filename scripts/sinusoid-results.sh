#!/usr/bin/env bash
# The sinusoid comparison of the report: MAML (from scripts/make-checkpoints.sh),
# first-order MAML, ANIL, Meta-SGD and Reptile trained for 70,000 meta-iterations
# in the setup of Finn et al. 2017 (MLP 1-40-40-1 ReLU, K = 10, meta-batch 25,
# alpha 0.01, beta 0.001 Adam; Reptile: 5 inner steps, epsilon 0.1), then all
# of them with the pretrain and scratch baselines on the same 1,000 held-out
# tasks. About 20 minutes on one core.
#
#   scripts/sinusoid-results.sh [path/to/metalab] [output folder]
set -euo pipefail
cd "$(dirname "$0")/.."
METALAB=${1:-build/native-release/native/metalab}
OUT=${2:-build/sinusoid-results}
mkdir -p "$OUT"
COMMON="--task sinusoid --support 10 --query 10 --hidden 40,40 --activation relu --inner-lr 0.01 --outer-lr 0.001
        --meta-batch 25 --seed 0 --threads 1 --val-every 5000 --progress lines --log-every 10000"
for L in fomaml anil metasgd; do
  "$METALAB" train --learner $L --inner-steps 1 --iterations 70000 $COMMON \
    --out "$OUT/sin-$L.safetensors" --metrics "$OUT/sin-$L.jsonl"
done
"$METALAB" train --learner reptile --inner-steps 5 --iterations 70000 $COMMON \
  --out "$OUT/sin-reptile.safetensors" --metrics "$OUT/sin-reptile.jsonl"
# MAML after 3,000 iterations (the early point of the PyTorch reference).
"$METALAB" train --learner maml --inner-steps 1 --iterations 3000 $COMMON --with-baselines \
  --out "$OUT/sin-maml3k.safetensors"

"$METALAB" eval assets/checkpoints/sinusoid-maml.safetensors --tasks 1000 --steps 10 --seed 1 \
  --baseline assets/checkpoints/sinusoid-maml.pretrain.safetensors \
  --baseline "$OUT/sin-fomaml.safetensors" --baseline "$OUT/sin-anil.safetensors" \
  --baseline "$OUT/sin-metasgd.safetensors" --baseline "$OUT/sin-reptile.safetensors" \
  --json-out "$OUT/sinusoid-eval.json"
"$METALAB" eval "$OUT/sin-maml3k.safetensors" --tasks 1000 --steps 10 --seed 1
