#!/usr/bin/env bash
# Regenerates the checkpoints the page ships (assets/checkpoints/), natively,
# with the exact `metalab train` commands, in three parts:
#
#   regression      the gene lab's and regression lab's promoter and tissue-expression
#                   models, with the page's default settings (MLP 40x40 ReLU, alpha 0.01,
#                   beta 0.001 Adam, K = 10 support + 10 query, 1 inner step, meta-batch
#                   25), MAML with the pretrain baseline trained on the same task batches:
#                     promoter-maml.safetensors + promoter-maml.pretrain.safetensors
#                     genes-maml.safetensors    + genes-maml.pretrain.safetensors
#   memory          the memory lab's three networks, trained the same way on the same
#                   episodes (14 x 14 glyphs, 5-way episodes of 10 presentations, 1,600
#                   classes split by seed 1; BPTT over whole episodes, 16 per batch,
#                   Adam 1e-3, gradient norm clipped at 10):
#                     mann-glyphs14.safetensors         MANN, controller 100, memory 64 x 32,
#                                                       4 heads, 4,000 iterations (~15 min)
#                     lstm-glyphs14.safetensors         LSTM 100, no memory
#                     feedforward-glyphs14.safetensors  one hidden layer of 100 on [x_t, y_t-1]
#   classification  the classification lab's default setup, exactly as the page builds
#                   it (web/app/classification_lab.cpp): glyphs 14 x 14, 300 classes of 20
#                   drawings, alphabet and class split seed 1 (70/10/20%), 5-way 1-shot with
#                   5 queries per class, MLP 64-32 ReLU embedding, Adam 1e-3, 2 episodes
#                   per iteration, seed 1:
#                     protonet-glyphs14.safetensors, matchingnet-glyphs14.safetensors
#                   (on 1,000 meta-test episodes ProtoNet reaches 91%, MatchingNet with its
#                   scaled cosine attention 86%; 1-nearest neighbour on the pixels: 75%).
#   biomedical      the classification lab's biomedical data sets, as the page builds them
#                   (core's task factory, split seed 1, 5-way 1-shot, 3 queries per class,
#                   MLP 64-32 ReLU embedding, Adam 1e-3, 2 episodes per iteration, seed 1):
#                     protonet-protein-families.safetensors  protein families (one-hot 128 x 20,
#                                                            Conv1d of 16 channels, 4 blocks)
#                     protonet-mri-regions.safetensors       brain regions (16 x 16 MRI patches)
#                     protonet-cell-stages.safetensors       stages of single cells (48 genes)
#
# The sinusoid pair (sinusoid-maml*.safetensors) comes from scripts/make-checkpoints.sh
# (Finn et al.'s 70,000 iterations); the page loads all of them at start-up.
#
#   scripts/make-web-checkpoints.sh [path/to/metalab [PART...]]   (default: all parts;
#     also mann-baselines: the LSTM and feed-forward only, next to an existing MANN)
# Then rebuild the page (scripts/build-web.sh) to copy them into build/web/site.
set -euo pipefail
cd "$(dirname "$0")/.."
METALAB=${1:-build/native-release/native/metalab}
shift || true
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(regression memory classification biomedical)
want() { local p; for p in "${PARTS[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }
if [[ ! -x "$METALAB" ]]; then
  echo "make-web-checkpoints: $METALAB not found; build it first:" >&2
  echo "  cmake --preset native-release && cmake --build build/native-release --target metalab" >&2
  exit 1
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p assets/checkpoints
if want regression; then
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
fi

if want memory || want mann-baselines; then
# The same episodes and optimisation for all three (scripts/mann-results.sh uses these settings too).
SEQ=(--task glyph-sequences --task-option glyph_size=14 --grad-clip 10 --meta-batch 16 --outer-optimizer adam
     --outer-lr 0.001 --seed 1 --val-every 500 --val-tasks 100 --log-every 100 --progress lines)
if want memory; then
  "$METALAB" train --learner mann --hidden 100 --memory-slots 64 --memory-width 32 --read-heads 4 "${SEQ[@]}" \
    --iterations 4000 --out "$WORK/mann-glyphs14.safetensors"
  "$METALAB" export "$WORK/mann-glyphs14.safetensors" assets/checkpoints/mann-glyphs14.safetensors
fi
# The LSTM sits on a plateau near chance for its first ~8,000 iterations at this size.
"$METALAB" train --learner lstm --hidden 100 "${SEQ[@]}" --iterations 16000 --out "$WORK/lstm-glyphs14.safetensors"
"$METALAB" train --learner feedforward --hidden 100 "${SEQ[@]}" --iterations 4000 \
  --out "$WORK/feedforward-glyphs14.safetensors"
for name in lstm-glyphs14 feedforward-glyphs14; do
  "$METALAB" export "$WORK/$name.safetensors" "assets/checkpoints/$name.safetensors"
done
"$METALAB" eval assets/checkpoints/mann-glyphs14.safetensors --baseline assets/checkpoints/lstm-glyphs14.safetensors \
  --baseline assets/checkpoints/feedforward-glyphs14.safetensors --no-scratch --tasks 1000 --steps 0 --seed 7
fi

if want classification; then
GLYPHS=(--task glyphs --image-size 14 --task-option glyph_classes=300 --task-option glyph_seed=1 --task-seed 1
        --ways 5 --shots 1 --queries 5 --backbone mlp --hidden 64,32 --activation relu --outer-lr 0.001
        --meta-batch 2 --seed 1 --val-every 2000 --val-tasks 200 --log-every 1000 --progress lines)
"$METALAB" train --learner protonet "${GLYPHS[@]}" --iterations 20000 --out "$WORK/protonet-glyphs14.safetensors"
"$METALAB" export "$WORK/protonet-glyphs14.safetensors" assets/checkpoints/protonet-glyphs14.safetensors
"$METALAB" eval assets/checkpoints/protonet-glyphs14.safetensors --tasks 1000 --seed 7
# MatchingNet overfits the 210 training classes sooner: validation loss is lowest near
# 1,500-2,000 iterations (86% then, 78% at 20,000).
"$METALAB" train --learner matchingnet "${GLYPHS[@]}" --iterations 2000 --out "$WORK/matchingnet-glyphs14.safetensors"
"$METALAB" export "$WORK/matchingnet-glyphs14.safetensors" assets/checkpoints/matchingnet-glyphs14.safetensors
"$METALAB" eval assets/checkpoints/matchingnet-glyphs14.safetensors --tasks 1000 --seed 7
fi

if want biomedical; then
D=assets/data
BIO=(--ways 5 --shots 1 --queries 3 --task-seed 1 --backbone mlp --hidden 64,32 --activation relu --outer-lr 0.001
     --meta-batch 2 --seed 1 --log-every 1000 --progress lines)
# Residue windows through a Conv1d of 16 channels (the page's choice: an MLP on the
# one-hot windows stays below nearest neighbour, 0.29 against 0.39).
"$METALAB" train --learner protonet --task protein-families --fasta $D/protein_families.fasta "${BIO[@]}" \
  --backbone conv1d --conv-channels 16 --iterations 5000 --out "$WORK/protonet-protein-families.safetensors"
"$METALAB" train --learner protonet --task mri-regions --t1 $D/colin27_t1_2mm.nii --atlas $D/colin27_aal_2mm.nii \
  --atlas-names $D/aal_regions.csv "${BIO[@]}" --iterations 3000 --out "$WORK/protonet-mri-regions.safetensors"
"$METALAB" train --learner protonet --task cell-stages --csv $D/guo_cells.csv "${BIO[@]}" \
  --iterations 3000 --out "$WORK/protonet-cell-stages.safetensors"
for name in protein-families mri-regions cell-stages; do
  "$METALAB" export "$WORK/protonet-$name.safetensors" "assets/checkpoints/protonet-$name.safetensors"
  "$METALAB" eval "assets/checkpoints/protonet-$name.safetensors" --tasks 1000 --seed 7
done
fi
