#!/usr/bin/env bash
# Few-shot classification results: ProtoNet, MatchingNet, the MAML family,
# nearest neighbour on raw features and pretrain + fine-tune, on synthetic
# glyphs, tissue gene expression, ALL leukemia subtypes and Fashion-MNIST.
# Each row: mean query accuracy over 1,000 held-out test episodes with a 95%
# confidence interval, and the training budget (episodes, wall time).
#
# Usage: scripts/classification-results.sh [glyphs|tables|fashion|all] > results.md
#   BIN=path/to/classification_results   use a built driver instead of building one
#   EPISODES=N TEST_EPISODES=N            override the budgets (smoke tests)
# Single-threaded and modest on purpose (the machine may be shared): about
# 30-60 minutes in all on one core. Fashion-MNIST needs Debian's
# dataset-fashion-mnist (apt-get install dataset-fashion-mnist).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHAT="${1:-all}"
if [[ -z "${BIN:-}" ]]; then
  cmake --preset native-release >/dev/null
  cmake --build "$ROOT/build/native-release" -j2 --target classification_results >/dev/null
  BIN="$ROOT/build/native-release/native/classification_results"
fi
export OMP_NUM_THREADS=1
EP="${EPISODES:-}"
TE="${TEST_EPISODES:-1000}"
run() { echo "+ classification_results $*" >&2; /usr/bin/time -f "  (%e s wall, %M KB max RSS)" "$BIN" "$@"; }

echo "| data | learner | test episodes | accuracy ± 95% CI | training | train time | eval time |"
echo "|---|---|---|---|---|---|---|"

if [[ $WHAT == glyphs || $WHAT == all ]]; then
  # 1,200 synthetic glyph classes (70% meta-train, 10% validation, 20% test), 28x28,
  # 20 instances a class; trained on 5-way 1-shot episodes with 15 queries per
  # class, tested on 5-way 1-shot and 5-shot episodes of held-out classes.
  G=(--data glyphs --ways 5 --shots 1 --queries 15 --test-shots 1,5 --test-queries 15
     --train-fraction 0.7 --test-episodes "$TE")
  run "${G[@]}" --learners nearest
  run "${G[@]}" --learners protonet,matchingnet,pretrain --episodes "${EP:-1000}"
  # The MAML family on the same Conv4 with a 5-way head: inner SGD step 0.4,
  # 1 step in training, 3 at test, 4 episodes per meta-batch. Reptile takes 5
  # inner SGD steps of 0.1 per episode in training (it has no query loss).
  run "${G[@]}" --learners maml,fomaml,metasgd,anil --episodes "${EP:-500}" --maml-meta-batch 4 --maml-steps 3 --maml-inner-lr 0.4
  run "${G[@]}" --learners reptile --episodes "${EP:-500}" --maml-meta-batch 4 --maml-steps 3 --maml-train-steps 5 --maml-inner-lr 0.1
fi

if [[ $WHAT == tables || $WHAT == all ]]; then
  # Tissue expression: 7 tissues; the three largest are held out for testing,
  # meta-training sees the other four (placenta has 6 samples).
  T=(--data "csv:$ROOT/assets/data/tissue_gene_expression.csv:tissue" --ways 3 --shots 1 --queries 5
     --test-shots 1,5 --test-queries 10 --hidden 64,64 --test-episodes "$TE"
     --train-classes liver,endometrium,placenta,hippocampus --test-classes kidney,cerebellum,colon)
  run "${T[@]}" --learners nearest,protonet,matchingnet,pretrain --episodes "${EP:-1000}"
  run "${T[@]}" --learners fomaml --episodes "${EP:-500}" --maml-meta-batch 4 --maml-steps 5 --maml-inner-lr 0.1
  # ALL subtypes (BT): classes with at least K + Q samples; B1, B3, T2 held out.
  A=(--data "csv:$ROOT/assets/data/ALL_top1000.csv:BT" --exclude sample,mol.biol --ways 3 --shots 1 --queries 5
     --test-shots 1,5 --test-queries 5 --hidden 64,64 --test-episodes "$TE"
     --train-classes B,B2,B4,T,T1,T3,T4 --test-classes B1,B3,T2)
  run "${A[@]}" --learners nearest,protonet,matchingnet,pretrain --episodes "${EP:-1000}"
  run "${A[@]}" --learners fomaml --episodes "${EP:-500}" --maml-meta-batch 4 --maml-steps 5 --maml-inner-lr 0.1
fi

if [[ $WHAT == fashion || $WHAT == all ]]; then
  # Fashion-MNIST training set (60,000 images), classes split 5 / 5 by seed.
  F=(--data fashion-mnist:/usr/share/datasets/fashion-mnist --ways 5 --shots 1 --queries 15 --test-shots 1,5
     --test-queries 15 --train-fraction 0.5 --test-episodes "$TE")
  run "${F[@]}" --learners nearest
  run "${F[@]}" --learners protonet,matchingnet,pretrain --episodes "${EP:-500}"
fi
