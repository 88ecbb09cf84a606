# bio3d's `transducin` (53 G-alpha chains, aligned) -> one row per chain:
#   chain   PDB id and chain, e.g. 1TND_A
#   entry   the PDB entry (chains of one entry are copies of one protein: splits keep them together)
#   state   nucleotide state annotated by bio3d (GTP, GDP, GDI)
#   sequence   the chain's residues (alignment gaps removed), one-letter codes
#   structure  one letter per residue: H helix, E strand, C coil (bio3d's `sse`:
#              ' ' -> C), the secondary structure of the PDB file's HELIX/SHEET records
# Usage: Rscript transducin_ss.R OUT.csv
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "transducin_ss.csv"
suppressMessages(library(bio3d))
data(transducin)
p <- transducin$pdbs
stopifnot(nrow(p$ali) == 53, ncol(p$ali) == 354)
rows <- lapply(seq_len(nrow(p$ali)), function(i) {
  keep <- p$ali[i, ] != "-"
  sse <- p$sse[i, keep]
  stopifnot(!anyNA(sse), all(sse %in% c("H", "E", " ")))
  data.frame(chain = p$id[i], entry = sub("_.*", "", p$id[i]),
             state = transducin$annotation[i, "state3"],
             sequence = paste(p$ali[i, keep], collapse = ""),
             structure = paste(ifelse(sse == " ", "C", sse), collapse = ""))
})
d <- do.call(rbind, rows)
stopifnot(all(nchar(d$sequence) == nchar(d$structure)), all(grepl("^[ACDEFGHIKLMNPQRSTVWY]+$", d$sequence)))
write.csv(d, out, row.names = FALSE)
