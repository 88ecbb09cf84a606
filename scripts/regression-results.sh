#!/usr/bin/env bash
# Regression results (docs/results/regression.md): MAML vs pretrain + fine-tune vs scratch
# on the promoter (motif and k-mer features) and real gene-expression tasks, K = 5 and 10,
# query MSE after 0..10 steps over 1,000 meta-test tasks with 95% CIs.
# Small budgets (a shared, heavily loaded 2-core machine): genes 1,000 meta-iterations, promoter 200
# (meta-batch 25, one thread); raise ITERS_GENES / ITERS_PROMOTER for the full-budget numbers.
# Usage: scripts/regression-results.sh [METALAB_BINARY] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
METALAB=${1:-build/native-release/native/metalab}
OUT=${2:-/tmp/regression-results}
mkdir -p "$OUT"
ITERS_GENES=${ITERS_GENES:-1000}
ITERS_PROMOTER=${ITERS_PROMOTER:-200}
run() { # name, iterations, task flags...
  local name=$1 iters=$2; shift 2
  echo "=== $name ($iters iterations) ==="
  local t0=$SECONDS
  "$METALAB" train --learner maml "$@" --query 10 --iterations "$iters" --with-baselines \
    --val-every 0 --progress lines --log-every 100 --threads 1 --out "$OUT/$name.safetensors"
  echo "train wall time: $((SECONDS - t0)) s"
  t0=$SECONDS
  "$METALAB" eval "$OUT/$name.safetensors" --tasks 1000 --steps 10 --threads 1 \
    --json-out "$OUT/$name.eval.json"
  echo "eval wall time: $((SECONDS - t0)) s"
}
run genes-k5 $ITERS_GENES --task genes --csv assets/data/tissue_gene_expression.csv --support 5
run genes-k10 $ITERS_GENES --task genes --csv assets/data/tissue_gene_expression.csv --support 10
run promoter-motif-k5 $ITERS_PROMOTER --task promoter --features motif --support 5
run promoter-kmer-k5 $ITERS_PROMOTER --task promoter --features kmer --support 5
run promoter-motif-k10 $ITERS_PROMOTER --task promoter --features motif --support 10
run promoter-kmer-k10 $ITERS_PROMOTER --task promoter --features kmer --support 10
