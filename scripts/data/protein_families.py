#!/usr/bin/env python3
"""Protein sequences labelled by family, from Debian packages -> one FASTA file.

Sources (read-only, as Debian installs them):
  hmmer-examples  Pfam seed alignments (Stockholm): tutorial/{Pkinase,fn3,globins4}.sto,
                  testsuite/{RRM_1,SMC_N,LuxC,Patched,Caudal_act}.sto.gz, testsuite/XYPPX.sto,
                  testsuite/minifam.gz (several alignments in one file); tutorial/globins45.fa
  emboss-test     older Pfam seeds: test/data/hmmnew/{pkinase,fn3,rrm}.sto,
                  test/data/PF00032_seed.sth; test/data/hmmnew/globins630.fa;
                  Swiss-Prot entries test/swiss/seq.dat (family: a Pfam cross-reference, below)

Every sequence is written ungapped ('.', '-' removed) and upper-case (lower
case in a Pfam seed marks insert-state residues: still residues), wrapped at
60 columns, as
    >NAME FAMILY
Within a family, a sequence identical to one already kept is dropped (the
hmmer and EMBOSS copies of a seed overlap), and so is a repeated name.
A family with more than CAP members keeps CAP of them, evenly spaced over the
list in source order (hmmer first, then EMBOSS, then Swiss-Prot); a family
with fewer than MIN_MEMBERS is left out, and so is a sequence shorter than
MIN_LENGTH = 20 residues (the XYPPX "repeat" seeds are 5 residues long). Residues other than the 20 standard
amino acids and X are rejected (the script stops), so the output is clean.

Usage: protein_families.py OUT.fasta [CAP=100] [MIN_MEMBERS=6]
Prints one line per family (members, min/median/max length) to stderr.
"""
import gzip
import re
import sys

HMMER = "/usr/share/doc/hmmer/examples"
EMBOSS = "/usr/share/EMBOSS/test"
AMINO = set("ACDEFGHIKLMNPQRSTVWYX")
MIN_LENGTH = 20

# (path, family name); a None family means "the file holds several alignments, each with #=GF ID".
STOCKHOLM = [
    (f"{HMMER}/tutorial/Pkinase.sto", "Pkinase"),
    (f"{HMMER}/tutorial/fn3.sto", "fn3"),
    (f"{HMMER}/tutorial/globins4.sto", "Globin"),
    (f"{HMMER}/testsuite/RRM_1.sto.gz", "RRM_1"),
    (f"{HMMER}/testsuite/SMC_N.sto.gz", "SMC_N"),
    (f"{HMMER}/testsuite/LuxC.sto.gz", "LuxC"),
    (f"{HMMER}/testsuite/Patched.sto.gz", "Patched"),
    (f"{HMMER}/testsuite/Caudal_act.sto.gz", "Caudal_act"),
    (f"{HMMER}/testsuite/XYPPX.sto", "XYPPX"),
    (f"{HMMER}/testsuite/minifam.gz", None),
    (f"{EMBOSS}/data/hmmnew/pkinase.sto", "Pkinase"),
    (f"{EMBOSS}/data/hmmnew/fn3.sto", "fn3"),
    (f"{EMBOSS}/data/hmmnew/rrm.sto", "RRM_1"),
    (f"{EMBOSS}/data/PF00032_seed.sth", "Cytochrom_B_C"),  # PF00032: cytochrome b C-terminal / b6 / petD
]
FASTA = [
    (f"{HMMER}/tutorial/globins45.fa", "Globin"),
    (f"{EMBOSS}/data/hmmnew/globins630.fa", "Globin"),
]
SWISSPROT = f"{EMBOSS}/swiss/seq.dat"


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        return f.read().replace("\r\n", "\n")


def stockholm(path, family):
    """Yields (family, name, ungapped sequence) for every alignment in the file."""
    order, seqs, fam = [], {}, family
    for line in read_text(path).split("\n"):
        if line.startswith("//"):
            for name in order:
                yield fam, name, seqs[name]
            order, seqs, fam = [], {}, family
        elif line.startswith("#=GF ID") and family is None:
            fam = line.split()[2]
        elif line.startswith("#") or not line.strip():
            continue
        else:
            name, aligned = line.split()
            if name not in seqs:
                order.append(name)
                seqs[name] = ""
            seqs[name] += re.sub(r"[.\-]", "", aligned).upper()
    if order:
        sys.exit(f"{path}: alignment without a // terminator")


def fasta(path, family):
    name, parts = None, []
    for line in read_text(path).split("\n"):
        if line.startswith(">"):
            if name:
                yield family, name, "".join(parts).upper()
            name, parts = line[1:].split()[0], []
        elif line.strip():
            parts.append(line.strip())
    if name:
        yield family, name, "".join(parts).upper()


def swissprot(path):
    """Entries labelled by a Pfam cross-reference: the one they have, or, for an
    entry with several, the one that most entries of the file share (PAX rather
    than Homeobox for the paired-box proteins, 7tm_1 rather than Rhodopsin_N);
    an entry whose families tie is left out."""
    entries = []
    for entry in read_text(path).split("\n//"):
        m = re.search(r"^ID   (\S+)", entry, re.M)
        if not m:
            continue
        pfam = sorted(set(re.findall(r"^DR   Pfam; \S+; (\S+);", entry, re.M)))
        seq = entry.split("\nSQ   ", 1)[1].split("\n", 1)[1]
        entries.append((m.group(1), pfam, re.sub(r"[\s\d]", "", seq).upper()))
    count = {}
    for _, pfam, _ in entries:
        for f in pfam:
            count[f] = count.get(f, 0) + 1
    for name, pfam, seq in entries:
        ranked = sorted(pfam, key=lambda f: -count[f])
        if not ranked or (len(ranked) > 1 and count[ranked[0]] == count[ranked[1]]):
            continue
        yield ranked[0], name, seq


def main(out, cap=100, min_members=6):
    families = {}  # family -> list of (name, seq), in source order
    seen = {}
    def add(fam, name, seq, where):
        bad = set(seq) - AMINO
        if bad:
            sys.exit(f"{where}: {name} has residues {''.join(sorted(bad))}")
        key = seen.setdefault(fam, (set(), set()))
        if seq in key[0] or name in key[1] or len(seq) < MIN_LENGTH:
            return
        key[0].add(seq)
        key[1].add(name)
        families.setdefault(fam, []).append((name, seq))
    for path, fam in STOCKHOLM:
        for f, n, s in stockholm(path, fam):
            add(f, n, s, path)
    for path, fam in FASTA:
        for f, n, s in fasta(path, fam):
            add(f, n, s, path)
    for f, n, s in swissprot(SWISSPROT):
        add(f, n, s, SWISSPROT)
    with open(out, "w", newline="\n") as w:
        for fam in sorted(families, key=str.lower):
            members = families[fam]
            if len(members) < min_members:
                print(f"  {fam}: {len(members)} members, left out", file=sys.stderr)
                continue
            if len(members) > cap:
                members = [members[(i * len(members)) // cap] for i in range(cap)]
            lens = sorted(len(s) for _, s in members)
            print(f"  {fam}: {len(members)} members (of {len(families[fam])}), length {lens[0]}..{lens[len(lens)//2]}..{lens[-1]}",
                  file=sys.stderr)
            for name, seq in members:
                w.write(f">{name} {fam}\n")
                for i in range(0, len(seq), 60):
                    w.write(seq[i:i + 60] + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 2 or len(sys.argv) > 4:
        sys.exit(__doc__)
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))
