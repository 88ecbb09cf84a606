#!/bin/sh
# Reproduces the memory-augmented network results (core/learners/mann.h):
#
#   1. Santoro et al. 2016's table on synthetic glyphs: 5-way episodes of 10
#      presentations per class (50 steps), 20 x 20 glyphs, 1,600 glyph classes
#      (1,200 meta-train, 80 meta-validation, 320 meta-test, split by seed),
#      labels reshuffled every episode. The MANN (LSTM controller of 200 units,
#      memory 128 x 40, 4 read heads, LRUA writes) and its two baselines (the
#      same LSTM without memory; a feed-forward network that sees x_t and
#      y_{t-1} only), each trained the same way: BPTT over whole episodes,
#      16 episodes per batch, Adam 1e-3, gradient norm clipped at 10, one thread.
#      Then accuracy by presentation on 1,000 meta-test episodes.
#   2. The same on rows of the tissue expression table (7 tissues, 500 genes):
#      5-way episodes of 5 presentations, rows split 50/50 by seed into
#      meta-train and meta-test samples (every tissue is in both; 7 tissues are
#      too few for disjoint class splits), genes standardised with meta-train
#      rows' statistics.
#   3. The small networks the page's memory lab opens with
#      (assets/checkpoints/{mann,lstm,feedforward}-glyphs14.safetensors), trained
#      by scripts/make-web-checkpoints.sh (its "memory" part: the commands are there).
#
# Usage: scripts/mann-results.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR defaults to build/native-release (cmake --preset native-release &&
#   cmake --build build/native-release -j2 --target metalab), OUT_DIR to
#   results/mann. Wall times on the shared 2-core machine are in the report
#   (the MANN run: about an hour).
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build/native-release}
OUT=${2:-results/mann}
METALAB=$BUILD/native/metalab
mkdir -p "$OUT"

common="--grad-clip 10 --meta-batch 16 --outer-optimizer adam --outer-lr 0.001 --seed 1 --val-every 500 \
  --val-tasks 100 --log-every 100 --progress lines"
glyphs="--task glyph-sequences"
memory="--memory-slots 128 --memory-width 40 --read-heads 4 --usage-decay 0.95"

# The MANN and its LSTM and feed-forward baselines (controller / hidden layer of
# 200) trained on one task, then compared on the same 1,000 meta-test episodes.
#   compare NAME ITERATIONS TASK-AND-TRAINING-OPTIONS...
compare() {
  local name=$1 iterations=$2
  shift 2
  $METALAB train --learner mann --hidden 200 $memory "$@" --iterations "$iterations" \
    --metrics "$OUT/mann-$name.jsonl" --out "$OUT/mann-$name.safetensors"
  for baseline in lstm feedforward; do
    $METALAB train --learner $baseline --hidden 200 "$@" --iterations "$iterations" \
      --metrics "$OUT/$baseline-$name.jsonl" --out "$OUT/$baseline-$name.safetensors"
  done
  $METALAB eval "$OUT/mann-$name.safetensors" --baseline "$OUT/lstm-$name.safetensors" \
    --baseline "$OUT/feedforward-$name.safetensors" --no-scratch --tasks 1000 --steps 0 --seed 7 \
    --json-out "$OUT/$name-eval.json" | tee "$OUT/$name-eval.txt"
}

# 1. Glyphs (5,000 iterations = 80,000 episodes each).
compare glyphs 5000 $glyphs $common

# 2. Tissue expression rows.
# No validation: with half the rows in meta-test, a validation split would leave
# too few samples of most tissues for 5 presentations.
tissue="--task table-sequences --csv assets/data/tissue_gene_expression.csv --task-option instances=5 \
  --task-option train_fraction=0.5 --task-seed 1"
tcommon="--grad-clip 10 --meta-batch 16 --outer-optimizer adam --outer-lr 0.001 --seed 1 --val-every 0 \
  --log-every 100 --progress lines"
compare tissue 2000 $tissue $tcommon

# 3. The page's memory lab networks (14 x 14 glyphs, controller 100, memory 64 x 32, 4 heads;
#    LSTM 100 and feed-forward 100 on the same episodes), exported without optimizer state.
scripts/make-web-checkpoints.sh "$METALAB" memory 2>&1 | tee "$OUT/glyphs14.txt"
