# Bioconductor ALL (acute lymphoblastic leukemia, hgu95av2, RMA log2) -> CSV:
# sample id, the BT (B/T-cell stage) and mol.biol (molecular subtype) labels,
# then the N highest-variance probes (variance over all 128 samples, in
# decreasing order of variance), one row per sample.
# Usage: Rscript ALL_top_probes.R OUT.csv [N=1000]
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "ALL_top1000.csv"
n <- if (length(args) >= 2) as.integer(args[2]) else 1000L
suppressMessages({library(Biobase); library(ALL)})
data(ALL)
P <- pData(ALL); X <- exprs(ALL); v <- apply(X, 1, var)
top <- names(sort(v, decreasing = TRUE))[1:n]
stopifnot(ncol(X) == 128, !anyNA(X[top, ]))
write.csv(data.frame(sample = colnames(X), BT = P$BT, mol.biol = P$mol.biol, t(X[top, ]),
                     check.names = FALSE),
          out, row.names = FALSE)
