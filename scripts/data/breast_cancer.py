#!/usr/bin/env python3
"""Wisconsin diagnostic breast cancer (as shipped by python3-sklearn) -> plain CSV.

sklearn's raw file starts with a line "569,30,malignant,benign" (rows, features,
class names) instead of column names, and ends each row with the class index
(0 = malignant, 1 = benign). This script parses that itself, so sklearn need
not be importable, and writes: diagnosis (malignant/benign), then the 30
features under the names sklearn's load_breast_cancer() gives them.

Usage: breast_cancer.py IN.csv OUT.csv
"""
import csv
import sys

FEATURES = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry",
    "mean fractal dimension",
    "radius error", "texture error", "perimeter error", "area error", "smoothness error",
    "compactness error", "concavity error", "concave points error", "symmetry error",
    "fractal dimension error",
    "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness",
    "worst compactness", "worst concavity", "worst concave points", "worst symmetry",
    "worst fractal dimension",
]


def main(src, dst):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    n_rows, n_features = int(rows[0][0]), int(rows[0][1])
    class_names = rows[0][2:]
    data = [r for r in rows[1:] if r]
    if n_features != len(FEATURES) or n_rows != len(data) or class_names != ["malignant", "benign"]:
        sys.exit(f"unexpected layout in {src}: header {rows[0]}, {len(data)} data rows")
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["diagnosis"] + FEATURES)
        for r in data:
            if len(r) != n_features + 1:
                sys.exit(f"row with {len(r)} fields in {src}")
            w.writerow([class_names[int(r[-1])]] + r[:-1])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
