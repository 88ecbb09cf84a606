# dslabs::tissue_gene_expression -> CSV: first column the tissue label, then
# the 500 genes (log expression), one row per sample (189 rows).
# Usage: Rscript tissue_gene_expression.R OUT.csv
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tissue_gene_expression.csv"
suppressMessages(library(dslabs))
data(tissue_gene_expression)
tg <- tissue_gene_expression
stopifnot(nrow(tg$x) == 189, ncol(tg$x) == 500, !anyNA(tg$x))
write.csv(data.frame(tissue = tg$y, tg$x, check.names = FALSE), out, row.names = FALSE)
