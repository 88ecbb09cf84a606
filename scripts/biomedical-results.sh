#!/usr/bin/env bash
# Few-shot results on the four biomedical families (docs/results/biomedical.md):
# ProtoNet, matching networks, MAML (second order), first-order MAML, nearest
# neighbour on raw inputs and pretrain + new head, each trained with the CLI
# (`metalab train`) on K-shot episodes of the meta-train split and evaluated
# with `metalab eval` on 1,000 episodes of the held-out split, K = 1 and 5.
# Prints a Markdown table: accuracy with its 95% interval, the training
# budget and its wall time.
#
# Usage: scripts/biomedical-results.sh [protein-families|protein-ss|mri-regions|cell-stages|all] > table.md
#   BIN=path/to/metalab          use a built CLI instead of building one
#   OUT=DIR                      where the checkpoints and eval JSON go (default: build/biomedical-results)
#   SCALE=F                      multiply every training budget by F (e.g. 0.05 for a smoke run)
#   TEST_EPISODES=N              test episodes per cell (default 1000)
# One thread, seeded: the same command prints the same accuracies. About
# 50 minutes on one core of the 2-core test machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHAT="${1:-all}"
case "$WHAT" in protein-families|protein-ss|mri-regions|cell-stages|all) ;;
  *) echo "usage: $0 [protein-families|protein-ss|mri-regions|cell-stages|all]" >&2; exit 2 ;;
esac
if [[ -z "${BIN:-}" ]]; then
  cmake --preset native-release >/dev/null
  cmake --build "$ROOT/build/native-release" -j2 --target metalab >/dev/null
  BIN="$ROOT/build/native-release/native/metalab"
fi
OUT="${OUT:-$ROOT/build/biomedical-results}"
SCALE="${SCALE:-1}"
TE="${TEST_EPISODES:-1000}"
D="$ROOT/assets/data"
mkdir -p "$OUT"
export OMP_NUM_THREADS=1

# iterations scaled, at least 2
budget() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 2 ? 2 : v) }'; }

# The data of each family, and what its shots mean.
declare -A FILES=(
  [protein-families]="--fasta $D/protein_families.fasta"
  [protein-ss]="--csv $D/transducin_ss.csv"
  [mri-regions]="--t1 $D/colin27_t1_2mm.nii --atlas $D/colin27_aal_2mm.nii --atlas-names $D/aal_regions.csv"
  [cell-stages]="--csv $D/guo_cells.csv"
)
declare -A SETUP=(
  [protein-families]="5-way, 5 queries a family (2 at K = 5); one-hot windows of 128 residues, conv1d (4 blocks of 64)"
  [protein-ss]="3 states, residues of one held-out chain; windows of 15 residues, conv1d (3 blocks of 64)"
  [mri-regions]="5-way, 15 queries a region; 16 x 16 patches at 2 mm, Conv4 (4 blocks of 64)"
  [cell-stages]="5-way over stages, 5 queries; 48 genes, z-scored; MLP 64-64; embryos held out"
)

# Episode flags beyond --shots K: 5-shot protein-family episodes have 2
# queries a family (meta-train has 4 families of 10 or more sequences, 8 of 7
# or more; the held-out split 8 of 7 or more).
declare -A EPISODES=( [protein-families-5]="--queries 2" )

# Training flags per learner (the metric learners: one episode per update).
learner_flags() {
  case "$1" in
    protonet|matchingnet) echo "--iterations $(budget 2000)" ;;
    maml) echo "--iterations $(budget 500) --meta-batch 4 --inner-lr 0.1 --inner-steps 1" ;;
    fomaml) echo "--iterations $(budget 500) --meta-batch 4 --inner-lr 0.1 --inner-steps 1" ;;
    pretrain) echo "--iterations $(budget 500) --meta-batch 4" ;;
    nearest) echo "--iterations 1" ;;
  esac
}
# Adaptation steps at test: the MAML family 3 (1 in training), pretrain's new
# head 10 steps; the metric learners and nearest neighbour need none.
eval_steps() { case "$1" in maml|fomaml) echo 3 ;; pretrain) echo 10 ;; *) echo 0 ;; esac; }

# "mean ± half" (3 decimals) of the last step of the first learner in an eval JSON.
accuracy() {
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["learners"][0]["metric"][-1]; print("%.3f ± %.3f" % (m["mean"], m["half_width"]))' "$1"
}

# One row: train `learner` on K-shot episodes of `family` (extra task flags
# after the label), test on TE held-out episodes.
cell() {
  local family=$1 k=$2 learner=$3 label=$4
  shift 4
  local name="$family-$k-$learner${label:+-$label}" hidden="" seconds training
  [[ $family == cell-stages ]] && hidden="--hidden 64,64"
  echo "+ $name" >&2
  # shellcheck disable=SC2046,SC2086  # the flags are words
  "$BIN" train --task "$family" ${FILES[$family]} --shots "$k" ${EPISODES[$family-$k]:-} "$@" --learner "$learner" \
    $(learner_flags "$learner") $hidden --seed 1 --progress none --out "$OUT/$name.safetensors" > "$OUT/$name.train.txt"
  seconds=$(sed -n 's/^done: .* in \([0-9.]*\) s .*/\1/p' "$OUT/$name.train.txt")
  "$BIN" eval "$OUT/$name.safetensors" --tasks "$TE" --seed 2 --no-scratch --steps "$(eval_steps "$learner")" \
    --json-out "$OUT/$name.eval.json" > /dev/null
  case $learner in
    nearest) training="none (raw inputs)" ; seconds="-" ;;
    maml|fomaml) training="$(budget 500) meta-batches of 4, inner lr 0.1, 1 step (3 at test)" ;;
    pretrain) training="$(budget 500) batches of 4 episodes, then a new head: 10 steps on the support set" ;;
    *) training="$(budget 2000) episodes" ;;
  esac
  echo "| $family${label:+ ($label)} | $k | $learner | $(accuracy "$OUT/$name.eval.json") | $training | ${seconds:--} s |"
}

echo "| family | K | learner | accuracy ± 95% CI (${TE} test episodes) | training | train time |"
echo "|---|---|---|---|---|---|"
for family in protein-families protein-ss mri-regions cell-stages; do
  [[ $WHAT == all || $WHAT == "$family" ]] || continue
  for k in 1 5; do
    for learner in nearest protonet matchingnet maml fomaml pretrain; do cell "$family" "$k" "$learner" ""; done
  done
done
# Protein families: how far length alone goes (nearest neighbour on the log
# length), and the learners with the length hidden: random 60-residue windows
# inside every sequence (the shortest has 63), so no window shows padding.
if [[ $WHAT == all || $WHAT == protein-families ]]; then
  for k in 1 5; do
    cell protein-families "$k" nearest "log-length" --task-option features=length
    for learner in nearest protonet matchingnet; do
      cell protein-families "$k" "$learner" "random-60" --task-option crop=random --task-option length=60
    done
  done
fi
echo
echo "Setups: "
for family in protein-families protein-ss mri-regions cell-stages; do
  [[ $WHAT == all || $WHAT == "$family" ]] && echo "- $family: ${SETUP[$family]}"
done
