// NIfTI-1 volumes (.nii, the format of MRI templates and atlases such as
// mricron-data's Colin27 and AAL), parsed from bytes already in memory. A
// .nii.gz is decompressed first: natively by native/data/gz.h (zlib stays out
// of the core), in the page by whoever fetched it (assets are uncompressed).
//
//   NiftiVolume t1 = parse_nifti(bytes, "colin27_t1_2mm.nii");
//   float v = t1.at(x, y, z);               // scaled: raw * scl_slope + scl_inter
//   Eigen::Vector3d mm = t1.world(x, y, z); // sform (or qform, or pixdim) coordinates
//
// The header (348 bytes, either byte order: the order is read from sizeof_hdr)
// is checked before anything is allocated: sizeof_hdr 348 (540 means NIfTI-2,
// not supported), magic "n+1" (single file; "ni1", a .hdr/.img pair, is
// refused), dim[0] in 1..7 with positive sizes, a supported datatype whose
// bitpix agrees (uint8, int8, int16, uint16, int32, uint32, float32,
// float64), vox_offset >= 352 and inside the file, and dims x bytes per voxel
// not more than the bytes after vox_offset (the product is checked as it grows,
// so a lying header cannot overflow or allocate; see the bound below). scl_slope 0 (or not finite)
// means no scaling, as the standard says. Bytes after the data are ignored
// (some writers pad). Errors are DataError (core/io/csv.h) naming the source,
// the field or byte offset, and the problem.
//
// Resource bound: at most kNiftiMaxVoxels voxels (all dimensions together),
// checked on the header alone, then against the bytes present, before
// anything is allocated; the volume then holds 4 bytes a voxel (floats), at
// most 1 GiB.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "core/io/csv.h"

namespace metalab {

// 2^28: a 1 mm whole-brain template is 7 million, a long 4-D fMRI run some 50 million.
constexpr std::uint64_t kNiftiMaxVoxels = std::uint64_t{1} << 28;

struct NiftiVolume {
  std::string source;                 // display name used in messages
  std::array<int, 7> dim{1, 1, 1, 1, 1, 1, 1};  // sizes of dimensions 1..7 (x, y, z, t, ...); unused = 1
  int rank = 3;                       // dim[0] of the header
  std::array<float, 3> voxel_size{1, 1, 1};     // pixdim[1..3] (mm when xyzt_units say so)
  int datatype = 0;                   // the header's datatype code (2 = uint8, 16 = float32, ...)
  bool big_endian = false;
  float scl_slope = 1, scl_inter = 0; // as applied (slope 1, inter 0 when the header asks for none)
  // Voxel (i, j, k) -> world coordinates: rows of a 3 x 4 matrix. From the
  // sform when sform_code > 0, else the qform when qform_code > 0, else
  // pixdim scaling (the standard's "method 1").
  Eigen::Matrix<double, 3, 4> affine = Eigen::Matrix<double, 3, 4>::Zero();
  std::string description;            // descrip, up to 80 characters
  std::vector<float> data;            // scaled values, x fastest, then y, z, t, ...

  int nx() const { return dim[0]; }
  int ny() const { return dim[1]; }
  int nz() const { return dim[2]; }
  // Volumes along dimensions 4..7 (1 for a 3-D image).
  long volumes() const;
  long voxels_per_volume() const { return static_cast<long>(dim[0]) * dim[1] * dim[2]; }
  float at(int x, int y, int z, long volume = 0) const {
    return data[static_cast<std::size_t>(((volume * dim[2] + z) * dim[1] + y) * static_cast<long>(dim[0]) + x)];
  }
  Eigen::Vector3d world(double x, double y, double z) const { return affine * Eigen::Vector4d(x, y, z, 1.0); }
};

NiftiVolume parse_nifti(std::string_view bytes, std::string_view source);

// Bytes of a single-file NIfTI-1 holding a 3-D uint8 or float32 volume
// (datatype 2 or 16; values are written as given, scl_slope 1), with the
// volume's affine as sform (code 2, "aligned"). For tests and exports.
std::string write_nifti(const NiftiVolume& volume, int datatype);

}  // namespace metalab
