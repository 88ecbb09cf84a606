#!/usr/bin/env python3
"""Colin27 T1 MRI and the AAL atlas (mricron-data) -> two small NIfTI-1 files at 2 mm.

Input (Debian's mricron-data, 181 x 217 x 181 voxels of 1 mm, uint8, one grid):
  /usr/share/mricron/templates/ch2.nii.gz   T1-weighted MRI of one subject (Colin Holmes, 27 scans averaged)
  /usr/share/mricron/templates/aal.nii.gz   AAL labels 0 (none) and 1..116 on that grid
  /usr/share/mricron/templates/aal.nii.txt  "index name code" per region
Output:
  colin27_t1_2mm.nii    uint8 T1 intensities, the mean of each 2 x 2 x 2 block (rounded)
  colin27_aal_2mm.nii   uint8 labels, the most frequent label of each block (a tie
                        between a region and background goes to the region, a tie
                        between regions to the lower index)
  aal_regions.csv       label,name (1..116)
Both volumes are cropped to the same box: the slices (z) that hold a label, and
in x and y the labelled extent plus a margin of 8 voxels (16 mm, half of a
16-voxel patch), clamped to the volume. The sform keeps world coordinates (mm,
MNI space) of voxel centres exact. Uncompressed, so the page can fetch and
parse them without zlib; core/io/nifti.h reads them.

Usage: mri_colin27.py OUTDIR
"""
import gzip
import os
import struct
import sys

import numpy as np

SRC = "/usr/share/mricron/templates"
MARGIN = 8


def read_nifti_gz(path):
    b = gzip.open(path).read()
    if struct.unpack("<i", b[:4])[0] != 348 or b[344:348] != b"n+1\0":
        sys.exit(f"{path}: not a little-endian single-file NIfTI-1")
    dim = struct.unpack("<8h", b[40:56])
    datatype = struct.unpack("<h", b[70:72])[0]
    vox_offset = int(struct.unpack("<f", b[108:112])[0])
    srow = struct.unpack("<12f", b[280:328])
    if dim[0] != 3 or datatype != 2:
        sys.exit(f"{path}: expected a 3-D uint8 volume, got dim {dim} datatype {datatype}")
    nx, ny, nz = dim[1:4]
    v = np.frombuffer(b, np.uint8, count=nx * ny * nz, offset=vox_offset).reshape(nz, ny, nx)
    return v, srow


def write_nifti(path, vol, srow, descrip):
    nz, ny, nx = vol.shape
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, 3, nx, ny, nz, 1, 1, 1, 1)
    struct.pack_into("<hh", h, 70, 2, 8)  # datatype uint8, bitpix 8
    struct.pack_into("<8f", h, 76, 1.0, 2.0, 2.0, 2.0, 0, 0, 0, 0)
    struct.pack_into("<fff", h, 108, 352.0, 1.0, 0.0)  # vox_offset, scl_slope, scl_inter
    h[123] = 2  # xyzt_units: mm
    struct.pack_into("<80s", h, 148, descrip.encode()[:79])
    struct.pack_into("<hh", h, 252, 0, 4)  # qform_code 0, sform_code 4 (MNI 152), as the source
    struct.pack_into("<12f", h, 280, *srow)
    h[344:348] = b"n+1\0"
    with open(path, "wb") as f:
        f.write(bytes(h) + b"\0\0\0\0" + np.ascontiguousarray(vol, np.uint8).tobytes())


def main(out):
    t1, srow = read_nifti_gz(f"{SRC}/ch2.nii.gz")
    aal, srow_aal = read_nifti_gz(f"{SRC}/aal.nii.gz")
    if t1.shape != aal.shape or srow != srow_aal or any(srow[i] != 0 for i in (1, 2, 4, 6, 8, 9)):
        sys.exit("ch2 and aal are not on one axis-aligned grid")
    nz, ny, nx = (s // 2 for s in t1.shape)
    blocks = lambda v: v[:2 * nz, :2 * ny, :2 * nx].reshape(nz, 2, ny, 2, nx, 2).transpose(0, 2, 4, 1, 3, 5).reshape(nz, ny, nx, 8)
    t1_2 = np.floor(blocks(t1).astype(np.float64).mean(-1) + 0.5).astype(np.uint8)
    b = blocks(aal)
    counts = np.stack([(b == k).sum(-1) for k in range(117)], -1).astype(np.float64)
    counts[..., 0] -= 0.5  # a region beats background on a tie; argmax takes the lower index among regions
    lab = counts.argmax(-1).astype(np.uint8)
    z, y, x = np.nonzero(lab)
    z0, z1 = z.min(), z.max() + 1
    y0, y1 = max(y.min() - MARGIN, 0), min(y.max() + 1 + MARGIN, ny)
    x0, x1 = max(x.min() - MARGIN, 0), min(x.max() + 1 + MARGIN, nx)
    t1_2, lab = t1_2[z0:z1, y0:y1, x0:x1], lab[z0:z1, y0:y1, x0:x1]
    # Voxel i of the new grid averages old voxels 2(i + x0) and 2(i + x0) + 1: its centre is at old index 2(i + x0) + 0.5.
    sx, sy, sz = srow[0], srow[5], srow[10]
    new_srow = (2 * sx, 0, 0, srow[3] + sx * (2 * x0 + 0.5),
                0, 2 * sy, 0, srow[7] + sy * (2 * y0 + 0.5),
                0, 0, 2 * sz, srow[11] + sz * (2 * z0 + 0.5))
    os.makedirs(out, exist_ok=True)
    write_nifti(f"{out}/colin27_t1_2mm.nii", t1_2, new_srow, "Colin27 T1 (mricron-data ch2), 2 mm block means")
    write_nifti(f"{out}/colin27_aal_2mm.nii", lab, new_srow, "AAL labels (mricron-data aal), 2 mm block modes")
    names = {}
    for line in open(f"{SRC}/aal.nii.txt"):
        parts = line.split()
        if len(parts) >= 2:
            names[int(parts[0])] = parts[1]
    if sorted(names) != list(range(1, 117)):
        sys.exit("aal.nii.txt does not name regions 1..116")
    with open(f"{out}/aal_regions.csv", "w", newline="\n") as f:
        f.write("label,name\n")
        for k in range(1, 117):
            f.write(f"{k},{names[k]}\n")
    voxels = np.bincount(lab.ravel(), minlength=117)[1:]
    print(f"  grid {lab.shape[2]} x {lab.shape[1]} x {lab.shape[0]} (x, y, z) at 2 mm; crop x {x0}..{x1 - 1}, "
          f"y {y0}..{y1 - 1}, z {z0}..{z1 - 1} of {nx} x {ny} x {nz}", file=sys.stderr)
    print(f"  voxels per region: min {voxels.min()} ({names[int(voxels.argmin()) + 1]}), "
          f"median {int(np.median(voxels))}, max {voxels.max()}; labelled {int((lab > 0).sum())}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
