#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/.

Seeds are small cuts of the real files the project ships (assets/) or reads
from Debian packages (Fashion-MNIST from dataset-fashion-mnist, Pfam seed
alignments from hmmer-examples), plus hand-made edge cases. The output is
committed; run this again only to change the seeds:

    python3 tests/fuzz/make_seeds.py            # from the repository root

Standard library only, plus a C compiler and Debian's libstb-dev for the JPEG
seeds (tests/fuzz/seed_jpeg.c). Every file is at most a few kilobytes except
two shipped checkpoints in the upload corpus (8.7 and 12 KB).
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
ASSETS = os.path.join(ROOT, "assets")
FASHION = "/usr/share/datasets/fashion-mnist"
HMMER = "/usr/share/doc/hmmer/examples/tutorial"
FILE_MARKER = b"\n--file--\n"  # tests/fuzz/fuzz_support.h: split_files


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def asset(path):
    with open(os.path.join(ASSETS, path), "rb") as f:
        return f.read()


# ---------------------------------------------------------------- CSV cuts

def csv_cut(text, columns, rows):
    """The first `columns` columns of the header and of the chosen data rows
    (the shipped tables have no commas or newlines inside fields)."""
    lines = text.splitlines()
    pick = [lines[0]] + [lines[1 + r] for r in rows]
    return "\n".join(",".join(line.split(",")[:columns]) for line in pick) + "\n"


def rows_by_label(text, per_label, labels):
    """Data row indices: the first per_label rows of each of the first `labels` labels (first column)."""
    seen = {}
    out = []
    for i, line in enumerate(text.splitlines()[1:]):
        label = line.split(",")[0]
        if label not in seen and len(seen) == labels:
            continue
        seen.setdefault(label, 0)
        if seen[label] < per_label:
            seen[label] += 1
            out.append(i)
    return out


def csv_seeds():
    tissue = asset("data/tissue_gene_expression.csv").decode()
    put("csv", "tissue_cut.csv", csv_cut(tissue, 6, rows_by_label(tissue, 3, 4)))
    all_ = asset("data/ALL_top1000.csv").decode()
    put("csv", "all_cut.csv", csv_cut(all_, 8, list(range(10))))
    breast = asset("data/breast_cancer.csv").decode()
    put("csv", "breast_cut.csv", csv_cut(breast, 6, rows_by_label(breast, 4, 2)))
    guo = asset("data/guo_cells.csv").decode()
    put("csv", "guo_cut.csv", csv_cut(guo, 7, list(range(0, 400, 40))))
    put("csv", "aal_cut.csv", "\n".join(asset("data/aal_regions.csv").decode().splitlines()[:6]) + "\n")
    # Hand-made edge cases.
    put("csv", "crlf_bom.csv", "\ufefflabel,a,b\r\nx,1,2\r\ny,3,4\r\n")
    put("csv", "lone_cr.csv", "label,a\rx,1\ry,2\r")
    put("csv", "quoted.csv", 'name,"a,b","say ""hi"""\n"multi\nline",1,2\n"x",3,4\n')
    put("csv", "missing.csv", "y,f1,f2,f3\na,NA,1,2\nb,?,,3\na,nan,inf,-Infinity\nb,1e38,-3.4e38,1e39\n")
    put("csv", "numbers.csv", "y,f\na, 1.5 \nb,\t-2e-3\na,+7.\nb,.5\na,1e-46\n")
    put("csv", "ragged.csv", "a,b,c\n1,2\n1,2,3,4\n")
    put("csv", "unterminated.csv", 'a,b\n"x,1\n')
    put("csv", "after_quote.csv", 'a,b\n"x"y,1\n')
    put("csv", "header_only.csv", "label,a,b\n")
    put("csv", "blank_lines.csv", "\n\nlabel,a\n\n\nx,1\n\ny,2\n\n")
    put("csv", "duplicate_columns.csv", "label,a,a,label\nx,1,2,u\ny,3,4,v\n")
    put("csv", "empty_label.csv", "label,a\n,1\n  ,2\nx,3\n")
    put("csv", "all_numeric.csv", "1,2,3\n4,5,6\n7,8,9\n")
    put("csv", "ids_quoted.csv", '"id","y","v"\n"01005","a",1\n"01006","b",2\n"01007","a",3\n')


def structure_seeds():
    lines = asset("data/transducin_ss.csv").decode().splitlines()
    header = lines[0]
    out = [header]
    for line in lines[1:4]:
        chain, entry, state, seq, ss = line.split(",")
        out.append(",".join([chain, entry, state, seq[:41] + '"', '"' + ss.strip('"')[:40] + '"']))
    put("structure_table", "transducin_cut.csv", "\n".join(out) + "\n")
    put("structure_table", "dssp_states.csv", "chain,sequence,structure\nA,MKVLAAGIVE,HGIEBTS- C\nB,mkvl,hhec\n")
    put("structure_table", "no_entry.csv", "chain,sequence,structure\n1ABC_A,ACDEFGHIK,CCHHHHHEE\n1ABC_B,ACD,CCC\n")
    put("structure_table", "mismatch.csv", "chain,sequence,structure\nA,ACDE,CC\n")
    put("structure_table", "repeated.csv", "chain,entry,sequence,structure\nA,1,AC,HH\nA,1,AC,EE\n")
    put("structure_table", "bad_letters.csv", "chain,sequence,structure\nA,A1C,HXH\n")
    put("structure_table", "missing_column.csv", "chain,sequence\nA,AC\n")


# ---------------------------------------------------------------- sequences

def fasta_seeds():
    text = asset("data/protein_families.fasta").decode()
    records = text.split(">")[1:4]
    cut = ""
    for r in records:
        head, *seq = r.splitlines()
        s = "".join(seq)[:90]
        cut += ">" + head + "\n" + "\n".join(s[i:i + 60] for i in range(0, len(s), 60)) + "\n"
    put("fasta", "families_cut.fasta", cut)
    globins = open(os.path.join(HMMER, "globins45.fa")).read().split(">")[1:3]
    put("fasta", "globins_cut.fa", "".join(">" + r for r in globins))
    put("fasta", "aligned.fa", ">a desc here\nmkv--la.A\n>b\r\nMK VL\tAA*\r\n\n>c\nACGT*\n")
    put("fasta", "edge_stop.fa", ">x\nMK*V\n")
    put("fasta", "edge_empty_seq.fa", ">x\n>y\nMK\n")
    put("fasta", "edge_repeat.fa", ">x\nMK\n>x\nMK\n")
    put("fasta", "edge_text_first.fa", "MKV\n>x\nMK\n")
    put("fasta", "edge_bad_char.fa", ">x\nMK1V\n")
    put("fasta", "edge_gzip.fa", gzip.compress(b">x\nMK\n", mtime=0))


def stockholm_cut(text, keep, width):
    out = []
    names = None
    for line in text.splitlines():
        f = line.split()
        if not f or line.startswith("# STOCKHOLM") or line == "//":
            out.append(line)
        elif f[0] == "#=GF":
            if len(f) > 1 and f[1] in ("ID", "AC", "DE", "TP", "SQ"):
                out.append(line)
        elif f[0] == "#=GC" and len(f) == 3:
            out.append(" ".join([f[0], f[1], f[2][:width]]))
        elif f[0] in ("#=GS", "#=GR"):
            if names is not None and f[1] in names:
                out.append(" ".join(f[:3] + [f[3][:width]]) if f[0] == "#=GR" else line)
            elif names is None:
                out.append(line)  # filtered below once the names are known
        elif not line.startswith("#"):
            if names is None:
                names = set()
            if len(names) < keep or f[0] in names:
                names.add(f[0])
                out.append(f[0] + " " + f[1][:width])
    # Drop #=GS lines of sequences that were cut.
    return "\n".join(l for l in out if not (l.startswith("#=GS") and l.split()[1] not in names)) + "\n"


def stockholm_seeds():
    put("stockholm", "globins4.sto", open(os.path.join(HMMER, "globins4.sto")).read())
    for name, keep, width in (("Pkinase", 4, 100), ("fn3", 4, 90), ("MADE1", 3, 80)):
        put("stockholm", name + "_cut.sto", stockholm_cut(open(os.path.join(HMMER, name + ".sto")).read(), keep, width))
    put("stockholm", "two_alignments.sto",
        "# STOCKHOLM 1.0\n#=GF ID one\na MK.V\nb MKLV\n#=GC SS_cons ..H.\n//\n"
        "# STOCKHOLM 1.0\n#=GS c DE a sequence\nc AC\nd A-\n\nc GT\nd G-\n#=GR c SS HH\n//\n")
    put("stockholm", "edge_no_end.sto", "# STOCKHOLM 1.0\na MKV\n")
    put("stockholm", "edge_widths.sto", "# STOCKHOLM 1.0\na MKV\nb MK\n//\n")
    put("stockholm", "edge_new_name.sto", "# STOCKHOLM 1.0\na MK\n\na MK\nb MK\n//\n")
    put("stockholm", "edge_gr_unknown.sto", "# STOCKHOLM 1.0\na MK\n#=GR z SS HH\n//\n")
    put("stockholm", "edge_version.sto", "# STOCKHOLM 2.0\na MK\n//\n")


# ---------------------------------------------------------------- NIfTI

def nifti_crop(path, origin, size):
    """A sub-volume of a shipped uint8/int16 3-D NIfTI-1 file, header fields kept."""
    b = asset(path)
    hdr = bytearray(b[:352])
    dims = struct.unpack("<8h", hdr[40:56])
    datatype, bitpix = struct.unpack("<hh", hdr[70:74])
    bpv = bitpix // 8
    nx, ny, nz = dims[1:4]
    data = bytearray()
    for z in range(origin[2], origin[2] + size[2]):
        for y in range(origin[1], origin[1] + size[1]):
            off = 352 + ((z * ny + y) * nx + origin[0]) * bpv
            data += b[off:off + size[0] * bpv]
    hdr[40:56] = struct.pack("<8h", 3, size[0], size[1], size[2], 1, 1, 1, 1)
    return bytes(hdr), bytes(data), datatype


def nifti_with(hdr, data, **fields):
    """Header fields replaced: dims (list of 8 int16), datatype, bitpix, slope, inter, qform, sform, vox_offset."""
    h = bytearray(hdr)
    if "dims" in fields:
        h[40:56] = struct.pack("<8h", *fields["dims"])
    if "datatype" in fields:
        h[70:74] = struct.pack("<hh", fields["datatype"], fields["bitpix"])
    if "slope" in fields:
        h[112:120] = struct.pack("<ff", fields["slope"], fields["inter"])
    if "qform" in fields:
        h[252:256] = struct.pack("<hh", fields["qform"], fields["sform"])
    return bytes(h) + data


def nifti_big_endian(hdr, data, bpv):
    """The same file in big-endian byte order (every header field swapped)."""
    h = bytearray(hdr)
    def swap(off, fmt):
        h[off:off + struct.calcsize(fmt)] = struct.pack(">" + fmt, *struct.unpack("<" + fmt, h[off:off + struct.calcsize(fmt)]))
    swap(0, "i"); swap(32, "i"); swap(36, "h"); swap(40, "8h"); swap(56, "3f"); swap(68, "3h"); swap(74, "h")
    swap(76, "8f"); swap(108, "3f"); swap(120, "h"); swap(124, "2f"); swap(132, "2f"); swap(140, "2i")
    swap(252, "2h"); swap(256, "6f"); swap(280, "12f")
    d = bytearray()
    for i in range(0, len(data), bpv):
        d += data[i:i + bpv][::-1]
    return bytes(h) + bytes(d)


def nifti_seeds():
    hdr, data, dt = nifti_crop("data/colin27_t1_2mm.nii", (40, 50, 30), (8, 9, 7))
    put("nifti", "colin27_t1_crop.nii", hdr + data)
    ahdr, adata, adt = nifti_crop("data/colin27_aal_2mm.nii", (30, 40, 30), (7, 6, 5))
    put("nifti", "colin27_aal_crop.nii", ahdr + adata)
    bpv = {2: 1, 4: 2, 512: 2, 16: 4}[adt]
    put("nifti", "aal_big_endian.nii", nifti_big_endian(ahdr, adata, bpv))
    floats = b"".join(struct.pack("<f", v / 7.0 - 3) for v in data)
    put("nifti", "t1_float32_qform.nii", nifti_with(hdr, floats, datatype=16, bitpix=32, qform=1, sform=0))
    doubles = b"".join(struct.pack("<d", v * 0.5) for v in data[:4 * 4 * 3 * 2])
    put("nifti", "float64_4d.nii", nifti_with(hdr, doubles, dims=[4, 4, 4, 3, 2, 1, 1, 1], datatype=64, bitpix=64))
    int16 = b"".join(struct.pack("<h", v * 100 - 5000) for v in data[:6 * 5])
    put("nifti", "int16_scaled_2d.nii", nifti_with(hdr, int16, dims=[2, 6, 5, 1, 1, 1, 1, 1], datatype=4, bitpix=16,
                                                  slope=0.25, inter=-1.0, qform=0, sform=0))
    put("nifti", "edge_truncated.nii", (hdr + data)[:600])
    put("nifti", "edge_ni1.nii", hdr[:344] + b"ni1\x00" + hdr[348:] + data)
    put("nifti", "edge_nifti2.nii", struct.pack("<i", 540) + hdr[4:] + data)


# ---------------------------------------------------------------- IDX

def fashion(kind, split="t10k"):
    name = f"{split}-images-idx3-ubyte.gz" if kind == "images" else f"{split}-labels-idx1-ubyte.gz"
    with gzip.open(os.path.join(FASHION, name)) as f:
        return f.read()


def fashion_image(i):
    """Image i of the test set: 28 rows of 28 bytes."""
    b = fashion("images")
    return [list(b[16 + i * 784 + r * 28:16 + i * 784 + (r + 1) * 28]) for r in range(28)]


def idx(dims, data):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def idx_seeds():
    crops = []
    for i in range(3):
        img = fashion_image(i)
        crops += [v for row in img[9:19] for v in row[9:19]]
    put("idx", "fashion_images_cut.idx", idx([3, 10, 10], crops))
    put("idx", "fashion_labels_cut.idx", idx([10], fashion("labels")[8:18]))
    put("idx", "rgb_4d.idx", idx([2, 4, 4, 3], range(96)))
    put("idx", "matrix_2d.idx", idx([3, 5], range(15)))
    put("idx", "edge_truncated.idx", idx([3, 10, 10], crops)[:120])
    put("idx", "edge_trailing.idx", idx([4], b"\x01\x02\x03\x04") + b"\x00")
    put("idx", "edge_float_type.idx", b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"\x00" * 8)
    put("idx", "edge_huge_claim.idx", b"\x00\x00\x08\x03" + struct.pack(">III", 0xFFFFFFFF, 0xFFFFFFFF, 28) + b"\x00" * 8)


# ---------------------------------------------------------------- PNG and JPEG

def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_row(samples, depth):
    """Packs one row of samples (ints) at a bit depth."""
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def png_filter(row, prev, bpp, kind):
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        if kind == 0:
            p = 0
        elif kind == 1:
            p = a
        elif kind == 2:
            p = b
        elif kind == 3:
            p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out.append((x - p) & 0xFF)
    return bytes(out)


def png(width, height, ctype, depth, pixel, interlace=False, plte=None, trns=None, filters=(0,)):
    """pixel(x, y) -> tuple of samples; ctype 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, channels * depth // 8)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
              if interlace else [(0, 0, 1, 1)])
    raw, k = b"", 0
    for x0, y0, dx, dy in passes:
        prev = None
        for y in range(y0, height, dy):
            xs = range(x0, width, dx)
            if not xs:
                continue
            row = png_row([s for x in xs for s in pixel(x, y)], depth)
            raw += png_filter(row, prev, bpp, filters[k % len(filters)])
            prev, k = row, k + 1
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, int(interlace)))
    if plte:
        out += png_chunk(b"PLTE", bytes(v for rgb in plte for v in rgb))
    if trns:
        out += png_chunk(b"tRNS", trns)
    return out + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


class Jpeg:
    """Baseline JPEGs through stb_image_write (a C helper compiled once)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp()
        self.exe = os.path.join(self.dir, "seed_jpeg")
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        subprocess.check_call([cc, "-O1", "-o", self.exe, os.path.join(ROOT, "tests", "fuzz", "seed_jpeg.c"), "-lm"])

    def __call__(self, width, height, channels, quality, pixel):
        out = os.path.join(self.dir, "out.jpg")
        px = bytes(s for y in range(height) for x in range(width) for s in pixel(x, y))
        subprocess.run([self.exe, out, str(width), str(height), str(channels), str(quality)], input=px, check=True)
        with open(out, "rb") as f:
            return f.read()


def image_files():
    """(name, bytes) of the image seeds, shared by the image, folder and upload corpora."""
    shirt, boot = fashion_image(0), fashion_image(1)
    gray = lambda img: (lambda x, y: (img[y][x],))
    colour = lambda img: (lambda x, y: (img[y][x], (x * 9) & 255, 255 - img[y][x]))
    jpeg = Jpeg()
    files = [
        ("fashion_gray.png", png(28, 28, 0, 8, gray(shirt))),
        ("fashion_filters.png", png(28, 28, 0, 8, gray(boot), filters=(0, 1, 2, 3, 4))),
        ("rgb.png", png(12, 10, 2, 8, colour(shirt))),
        ("rgba.png", png(9, 7, 6, 8, lambda x, y: (x * 20, y * 30, 100, (x * y * 7) & 255))),
        ("gray_alpha.png", png(8, 8, 4, 8, lambda x, y: (shirt[y + 10][x + 10], 200))),
        ("palette4.png", png(10, 10, 3, 4, lambda x, y: ((x + y) % 5,), plte=[(0, 0, 0), (255, 0, 0), (0, 255, 0),
                                                                                 (0, 0, 255), (255, 255, 255)],
                             trns=b"\x00\x80")),
        ("gray1.png", png(16, 5, 0, 1, lambda x, y: ((x ^ y) & 1,))),
        ("gray16.png", png(6, 6, 0, 16, lambda x, y: (x * 9000 + y * 1000,))),
        ("rgb16.png", png(5, 4, 2, 16, lambda x, y: (x * 10000, y * 15000, 40000))),
        ("interlaced.png", png(13, 11, 2, 8, colour(boot), interlace=True, filters=(1, 4))),
        ("fashion_gray_q50.jpg", jpeg(28, 28, 1, 50, gray(shirt))),
        ("rgb_q50.jpg", jpeg(16, 16, 3, 50, colour(boot))),
        ("rgb_q95_odd.jpg", jpeg(13, 7, 3, 95, colour(shirt))),
    ]
    shutil.rmtree(jpeg.dir)
    return files


def image_seeds(files):
    for name, data in files:
        put("image", name, data)
    put("image", "edge_truncated.png", files[0][1][:60])
    put("image", "edge_truncated.jpg", files[10][1][: len(files[10][1]) // 2])
    put("image", "edge_not_an_image.png", "hello")
    # A header claiming 4096 x 4096: refused on the size, before decoding.
    put("image", "edge_huge_claim.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4096, 4096, 8, 6, 0, 0, 0))
        + png_chunk(b"IEND", b""))
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 4096, 4096, 1) + b"\x01\x11\x00"
    put("image", "edge_huge_claim.jpg", b"\xff\xd8" + sof + b"\xff\xd9")


def folder(parts):
    return FILE_MARKER.join(name.encode() + b"\n" + data for name, data in parts)


def folder_seeds(files):
    f = dict(files)
    put("image_folder", "two_classes.bin", folder([("shirt/0.png", f["fashion_gray.png"]), ("shirt/1.png", f["gray_alpha.png"]),
                                                  ("boot/0.png", f["fashion_filters.png"])]))
    put("image_folder", "omniglot_layout.bin", folder([("Latin/character01/a.png", f["gray1.png"]),
                                                      ("Latin/character02/b.png", f["gray16.png"]),
                                                      ("Greek/character01/c.jpg", f["fashion_gray_q50.jpg"])]))
    put("image_folder", "colour_mixed.bin", folder([("red/a.png", f["rgb.png"]), ("red/b.jpg", f["rgb_q50.jpg"]),
                                                   ("blue/.DS_Store", b"\x00\x01junk"), ("blue/c.png", f["interlaced.png"]),
                                                   ("blue/d.png", f["rgba.png"])]))
    put("image_folder", "edge_mixed_channels.bin", folder([("a/x.png", f["rgb.png"]), ("a/y.png", f["fashion_gray.png"])]))
    put("image_folder", "edge_no_class.bin", folder([("x.png", f["fashion_gray.png"])]))
    put("image_folder", "edge_images_and_folders.bin", folder([("a/x.png", f["gray1.png"]), ("a/b/y.png", f["gray1.png"])]))


# ---------------------------------------------------------------- uploads and URL hashes

def upload_seeds(files):
    f = dict(files)
    up = lambda name, data: (name.encode() if isinstance(name, str) else name) + b"\n" + (data.encode() if isinstance(data, str) else data)
    put("upload", "cells.csv.bin", up("cells.csv", "type,a,b\nx,1,2\nx,1.5,2\ny,5,6\ny,5.5,6.5\nz,9,9\nz,9.5,9\nw,0,9\nw,0.5,9\n"))
    tissue = asset("data/tissue_gene_expression.csv").decode()
    put("upload", "tissue_cut.csv.bin", up("tissue_cut.csv", csv_cut(tissue, 6, rows_by_label(tissue, 3, 4))))
    put("upload", "cat_png.bin", up("cat_1.png", f["fashion_gray.png"]))
    put("upload", "dog_jpg.bin", up("dog_2.jpg", f["rgb_q50.jpg"]))
    put("upload", "folder_png.bin", up("shirt/3.png", f["rgba.png"]))
    put("upload", "no_class.bin", up("picture.png", f["gray1.png"]))
    put("upload", "sinusoid_maml.bin", up("sinusoid-maml.safetensors", asset("checkpoints/sinusoid-maml.safetensors")))
    put("upload", "genes_pretrain.bin", up("genes-maml.pretrain.safetensors", asset("checkpoints/genes-maml.pretrain.safetensors")))
    # A classification and a memory checkpoint cut to their header: routed, then refused.
    for name in ("protonet-glyphs14", "mann-glyphs14"):
        ck = asset(f"checkpoints/{name}.safetensors")
        n = struct.unpack("<Q", ck[:8])[0]
        put("upload", name + "_header.bin", up(name + ".safetensors", ck[:8 + n]))
    put("upload", "notes.bin", up("notes.txt", "hello"))
    put("upload", "no_name.bin", b"no newline, so no name")


def url_seeds():
    hashes = [
        "#view=regression&task=sinusoid&learner=maml&alpha=0.01&beta=0.001&K=5&steps=1&batch=25&width=40&depth=2&seed=3",
        "#view=classification&learner=matchingnet&dataset=glyphs&ways=5&shots=1&seed=1",
        "#view=memory&seed=2",
        "view=regression&task=promoter&learner=metasgd&alpha=0.05&beta=0.002&K=12&steps=3&batch=10&width=64&depth=3&seed=9&adapt=4",
        "view=sinusoid&seed=4&K=7&n=3&others=false",
        "view=classification&learner=fomaml&dataset=fashion&ways=4&shots=2&seed=5&episode=3",
        "view=memory&seed=8&episode=2",
        "view=gene&data=genes&seed=2&cell=1&gene=4&adapt=3",
        "view=genes&data=promoter",
        "view=sinusoid&learner=reptile&alpha=0.1&K=3",
        "view=memory&learner=protonet&dataset=glyphs&ways=3&shots=2&seed=6",
        "#view=regression&alpha=abc&K=7&colour=red",
        "#view=classification&dataset=tissue&ways=5",
        "#view=regression&seed=%31%32&K=1%",
        "view=classification&dataset=custom&ways=10&shots=1e3",
        "view=regression&alpha=1e-40&beta=nan&seed=18446744073709551616",
        "",
        "#",
        "&&=&view&=x",
    ]
    for i, h in enumerate(hashes):
        put("url_hash", f"hash{i:02d}.txt", h)


# ---------------------------------------------------------------- checkpoints and JSON

def safetensors(tensors, metadata=None, pad=0):
    """tensors: [(name, dtype, shape, raw bytes)] -> a safetensors file."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode() + b" " * pad
    return struct.pack("<Q", len(h)) + h + data


def header_of(ckpt):
    n = struct.unpack("<Q", ckpt[:8])[0]
    return ckpt[8:8 + n]


def safetensors_seeds():
    for name in ["sinusoid-maml", "sinusoid-maml.pretrain", "genes-maml"]:
        put("safetensors", name + ".safetensors", asset(f"checkpoints/{name}.safetensors"))
    glyphs = asset("checkpoints/protonet-glyphs14.safetensors")
    put("safetensors", "protonet-glyphs14_truncated.safetensors", glyphs[:4096])
    f32 = struct.pack("<6f", 1, -2, 0.5, 3, 1e-3, -0.0)
    put("safetensors", "dtypes.safetensors", safetensors([
        ("a", "F32", [2, 3], f32),
        ("b", "F64", [2], struct.pack("<2d", 1.5, -7)),
        ("c", "F16", [3], struct.pack("<3H", 0x3C00, 0xC000, 0x7C00)),
        ("d", "BF16", [], struct.pack("<H", 0x3F80)),
        ("e", "F32", [1, 2, 1, 1], struct.pack("<2f", 4, 5)),
    ], {"note": "dtypes"}, pad=5))
    put("safetensors", "empty.safetensors", safetensors([], {}))
    put("safetensors", "zero_dim.safetensors", safetensors([("z", "F32", [0, 4], b"")], {"learner": "maml"}))
    put("safetensors", "maml_tiny.safetensors", safetensors(
        [("layer0.weight", "F32", [1, 2], struct.pack("<2f", 0.1, 0.2)),
         ("layer0.bias", "F32", [1, 2], struct.pack("<2f", 0, 0)),
         ("layer1.weight", "F32", [2, 1], struct.pack("<2f", 1, -1)),
         ("layer1.bias", "F32", [1, 1], struct.pack("<f", 0))],
        {"learner": "maml", "model.hidden": "2", "model.input_dim": "1", "model.output_dim": "1"}))
    put("safetensors", "huge_claimed.safetensors", struct.pack("<Q", 1 << 40) + b"{}")


def json_seeds():
    for name in ["sinusoid-maml", "genes-maml", "promoter-maml"]:
        put("json_config", name + "_header.json", header_of(asset(f"checkpoints/{name}.safetensors")).rstrip())
    configs = [
        {"task": "sinusoid", "support": 5, "query": 10, "learner": "maml", "inner_lr": 0.01, "steps": 5,
         "hidden": [40, 40], "first-order": True},
        {"task": "promoter", "features": "onehot", "task_option": ["crop=random", "noise_sd=0.1"]},
        {"task": "csv", "csv": "cells.csv", "label_column": "type", "ways": 5, "shots": 1, "queries": 15},
        {"task": "images", "images": "folder", "image_size": 28, "test_ways": 3},
        {"distance": "cosine"},
        {"help": True},
        {"steps": 1000},
        {"hidden": [[1]]},
    ]
    for i, c in enumerate(configs):
        put("json_config", f"config{i:02d}.json", json.dumps(c, indent=1))
    edge = ['{"a":1,"a":2}', '[' * 200 + ']' * 200, '{"x":1e999}', '"\\ud800"', '{"s":"\\u0000"}',
            '{"t":[1,2,],}', '\ufeff{}', '{"n":-0.0,"e":1E-7,"u":"\\u00e9\\u4e2d"}', 'nul', '{} {}']
    for i, e in enumerate(edge):
        put("json_config", f"edge{i:02d}.json", e)


# ---------------------------------------------------------------- lessons

def lesson_seeds():
    """The shipped lessons, and small ones at the edges of the format (web/app/page/lessons.h)."""
    lessons_dir = os.path.join(ASSETS, "lessons")
    for name in sorted(os.listdir(lessons_dir)):
        with open(os.path.join(lessons_dir, name), "rb") as f:
            put("lesson", name, f.read())
    step = {"id": "s", "title": "lesson.maml.title", "text": "lesson.maml.summary", "view": "regression"}
    def lesson(steps, **extra):
        d = {"id": "t", "order": 99, "title": "lesson.maml.title", "summary": "lesson.maml.summary", "steps": steps}
        d.update(extra)
        return json.dumps(d, ensure_ascii=False)
    edge = [
        lesson([step]),
        lesson([dict(step, settings="K=500")]),
        lesson([dict(step, run={"settings": "K=5", "train_to": 20}, weights="shipped",
                     question={"prompt": "lesson.maml.title", "choices": ["lesson.maml.title", "lesson.maml.summary"],
                               "answer": 1, "explain": "lesson.maml.summary"},
                     checks=[{"status": "regression.iteration", "min": 1, "max": 100}])]),
        lesson([dict(step, view="classification", settings="dataset=tissue&ways=3"),
                dict(step, id="b", view="classification", settings="ways=5")]),
        lesson([dict(step, cover=["plot"])]),
        lesson([dict(step, run={}, checks=[{"status": "classification.curve.3", "above": "classification.curve_nn.3"}])]),
        lesson([step] * 31),
        lesson([]),
        '{"id": "Big Lesson"}',
        '[]',
    ]
    for i, e in enumerate(edge):
        put("lesson", f"edge{i:02d}.json", e)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    csv_seeds()
    structure_seeds()
    fasta_seeds()
    stockholm_seeds()
    nifti_seeds()
    idx_seeds()
    files = image_files()
    image_seeds(files)
    folder_seeds(files)
    upload_seeds(files)
    url_seeds()
    safetensors_seeds()
    json_seeds()
    lesson_seeds()
    total = 0
    for d in sorted(os.listdir(OUT)):
        names = os.listdir(os.path.join(OUT, d))
        size = sum(os.path.getsize(os.path.join(OUT, d, n)) for n in names)
        total += size
        print(f"{d:16s} {len(names):3d} files {size / 1024:7.1f} KB")
    print(f"{'total':16s}     {total / 1024:7.1f} KB")


if __name__ == "__main__":
    sys.exit(main())
