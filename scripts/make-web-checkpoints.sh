#!/usr/bin/env bash
# Regenerates the checkpoints the page's gene lab and regression lab ship for
# the promoter and tissue-expression tasks (assets/checkpoints/), natively, with
# the exact `metalab train` commands, using the page's default settings (MLP
# 40x40 ReLU, alpha 0.01, beta 0.001 Adam, K = 10 support + 10 query, 1 inner
# step, meta-batch 25), MAML with the pretrain baseline trained on the same
# task batches:
#   promoter-maml.safetensors + promoter-maml.pretrain.safetensors
#   genes-maml.safetensors    + genes-maml.pretrain.safetensors
# The sinusoid pair (sinusoid-maml*.safetensors) comes from scripts/make-checkpoints.sh
# (Finn et al.'s 70,000 iterations); the page loads all of them at start-up.
#
#   scripts/make-web-checkpoints.sh [path/to/metalab]
# Then rebuild the page (scripts/build-web.sh) to copy them into build/web/site.
set -euo pipefail
cd "$(dirname "$0")/.."
METALAB=${1:-build/native-release/native/metalab}
if [[ ! -x "$METALAB" ]]; then
  echo "make-web-checkpoints: $METALAB not found; build it first:" >&2
  echo "  cmake --preset native-release && cmake --build build/native-release --target metalab" >&2
  exit 1
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p assets/checkpoints
COMMON=(--learner maml --support 10 --query 10 --hidden 40,40 --activation relu --inner-lr 0.01 --inner-steps 1
        --outer-lr 0.001 --meta-batch 25 --seed 0 --threads 1 --with-baselines --val-every 1000 --val-tasks 100
        --log-every 1000 --progress lines)

# Synthetic promoter -> expression (k-mer features, 100 cell types split 70/15/15 with task seed 0).
"$METALAB" train --task promoter "${COMMON[@]}" --iterations 3000 --out "$WORK/promoter-maml.safetensors"
# Real tissue expression: 20 top-variance landmark genes -> one held-out gene per task.
"$METALAB" train --task genes --csv assets/data/tissue_gene_expression.csv "${COMMON[@]}" --iterations 4000 \
  --out "$WORK/genes-maml.safetensors"

# Small copies for the page: weights, config and task description only.
for name in promoter-maml genes-maml; do
  "$METALAB" export "$WORK/$name.safetensors" "assets/checkpoints/$name.safetensors"
  "$METALAB" export "$WORK/$name.pretrain.safetensors" "assets/checkpoints/$name.pretrain.safetensors"
done
"$METALAB" eval assets/checkpoints/promoter-maml.safetensors --tasks 200 --steps 10 --seed 1
"$METALAB" eval assets/checkpoints/genes-maml.safetensors --csv assets/data/tissue_gene_expression.csv --tasks 200 --steps 10 --seed 1
