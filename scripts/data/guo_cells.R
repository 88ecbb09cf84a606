# destiny's `guo` (Guo et al. 2010, mouse embryo single-cell qPCR) -> CSV, one row per cell:
#   cell    the sample name, "<stage> <embryo>.<cell>", e.g. "16C 3.12" (one is "64C 4.1b")
#   stage   developmental stage 2C, 4C, 8C, 16C, 32C, 64C (from num_cells)
#   embryo  "<stage> <embryo>", e.g. "16C 3": cells of one embryo share it
#   then the 48 genes: Ct values normalised by the mean of Actb and Gapdh,
#   with the limit of detection set to 10 (destiny's documentation of `guo`).
# Usage: Rscript guo_cells.R OUT.csv
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "guo_cells.csv"
suppressMessages({library(Biobase); library(destiny)})
data(guo)
x <- exprs(guo)
stage <- paste0(pData(guo)$num_cells, "C")
# phenoData's row names are numeric; the cell names are the annotation column "Cell".
cell <- as.character(pData(guo)$Cell)
stopifnot(nrow(x) == 48, ncol(x) == 428, !anyNA(x), length(cell) == 428,
          all(sub(" .*", "", cell) == stage), all(grepl("^[0-9]+C [0-9]+\\.[0-9]+[a-z]?$", cell)))
embryo <- sub("\\.[0-9]+[a-z]?$", "", cell)
# Values are differences of Ct values given to 2 decimals: 3 decimals hold them
# exactly (write.csv would otherwise print float noise such as -0.574999999999999).
d <- data.frame(cell = cell, stage = stage, embryo = embryo, round(t(x), 3), check.names = FALSE)
write.csv(d, out, row.names = FALSE)
