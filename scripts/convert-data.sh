#!/usr/bin/env bash
# Regenerates the small biomedical data files under assets/data/ from Debian packages.
#
# The files are committed, so neither the build nor scripts/setup.sh needs R;
# run this only to reproduce or refresh them. It installs what it needs
# (r-base-core, r-cran-dslabs, r-bioc-all, python3-sklearn, python3-numpy,
# hmmer-examples, emboss-test, mricron-data, r-cran-bio3d, r-bioc-destiny:
# about 450 MB, via apt-get, as root or with sudo) and then converts:
#   tissue_gene_expression.csv  dslabs::tissue_gene_expression, 189 x (tissue + 500 genes)
#   ALL_top1000.csv             Bioconductor ALL, 128 x (sample, BT, mol.biol + 1000 probes)
#   breast_cancer.csv           sklearn's Wisconsin breast cancer, 569 x (diagnosis + 30)
#   protein_families.fasta      Pfam seeds and Swiss-Prot entries, 17 families
#   transducin_ss.csv           bio3d::transducin, 53 G-alpha chains with 3-state secondary structure
#   colin27_t1_2mm.nii, colin27_aal_2mm.nii, aal_regions.csv
#                               one subject's T1 MRI and the AAL atlas at 2 mm (mricron-data)
#   guo_cells.csv               destiny::guo, 428 single cells x (cell, stage, embryo + 48 genes)
# and prints the package versions that assets/data/README.md records.
# Usage: scripts/convert-data.sh [OUTDIR]   (default: assets/data)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/assets/data}"
HERE="$ROOT/scripts/data"
PKGS=(r-base-core r-cran-dslabs r-bioc-all python3-sklearn python3-numpy hmmer-examples emboss-test mricron-data
      r-cran-bio3d r-bioc-destiny)
SKLEARN_CSV=/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv

log() { printf '[convert-data] %s\n' "$*" >&2; }
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$OUT"
log "tissue_gene_expression.csv"
Rscript "$HERE/tissue_gene_expression.R" "$OUT/tissue_gene_expression.csv"
log "ALL_top1000.csv"
Rscript "$HERE/ALL_top_probes.R" "$OUT/ALL_top1000.csv" 1000
log "breast_cancer.csv"
/usr/bin/python3 "$HERE/breast_cancer.py" "$SKLEARN_CSV" "$OUT/breast_cancer.csv"

log "protein_families.fasta"
/usr/bin/python3 "$HERE/protein_families.py" "$OUT/protein_families.fasta"
log "transducin_ss.csv"
Rscript "$HERE/transducin_ss.R" "$OUT/transducin_ss.csv"
log "colin27_t1_2mm.nii, colin27_aal_2mm.nii, aal_regions.csv"
/usr/bin/python3 "$HERE/mri_colin27.py" "$OUT"
log "guo_cells.csv"
Rscript "$HERE/guo_cells.R" "$OUT/guo_cells.csv"

for f in tissue_gene_expression.csv ALL_top1000.csv breast_cancer.csv transducin_ss.csv aal_regions.csv guo_cells.csv; do
  rows=$(( $(wc -l <"$OUT/$f") - 1 ))
  cols=$(head -1 "$OUT/$f" | awk -F, '{print NF}')
  log "$f: $rows rows, $cols columns (incl. labels), $(wc -c <"$OUT/$f") bytes"
done
log "protein_families.fasta: $(grep -c '^>' "$OUT/protein_families.fasta") sequences, $(wc -c <"$OUT/protein_families.fasta") bytes"
for f in colin27_t1_2mm.nii colin27_aal_2mm.nii; do log "$f: $(wc -c <"$OUT/$f") bytes"; done
log "package versions (record these in assets/data/README.md):"
dpkg-query -W -f='  ${Package} ${Version}\n' r-base-core r-cran-dslabs r-bioc-all r-bioc-biobase python3-sklearn \
  python3-numpy hmmer-examples emboss-test mricron-data r-cran-bio3d r-bioc-destiny >&2
