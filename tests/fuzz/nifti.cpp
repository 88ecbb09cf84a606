// NIfTI-1 volumes (parse_nifti, core/io/nifti.h).
// Contract: rank 1..7 with positive sizes (1 past the rank) whose product is
// the number of values, within kNiftiMaxVoxels; positive finite voxel sizes;
// integer data scaled to finite values; a volume written back as float32
// reads back the same; every failure is a DataError naming the file.
#include <cmath>

#include "core/io/nifti.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool same_value(float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  constexpr const char* kSource = "fuzz.nii";
  NiftiVolume v;
  try {
    v = parse_nifti(fuzz::as_view(data, size), kSource);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  FUZZ_CHECK(v.rank >= 1 && v.rank <= 7, "rank " << v.rank);
  std::uint64_t n = 1;
  for (int i = 0; i < 7; ++i) {
    const int d = v.dim[static_cast<std::size_t>(i)];
    FUZZ_CHECK(i < v.rank ? d >= 1 : d == 1, "dim[" << i + 1 << "] = " << d << " at rank " << v.rank);
    n *= static_cast<std::uint64_t>(d);
  }
  FUZZ_CHECK(n == v.data.size() && n <= kNiftiMaxVoxels, n << " voxels, " << v.data.size() << " values");
  FUZZ_CHECK(static_cast<std::uint64_t>(v.voxels_per_volume()) * static_cast<std::uint64_t>(v.volumes()) == n, "volumes");
  for (float s : v.voxel_size) FUZZ_CHECK(std::isfinite(s) && s > 0, "voxel size " << s);
  FUZZ_CHECK(std::isfinite(v.scl_slope) && v.scl_slope != 0 && std::isfinite(v.scl_inter), "scaling");
  const bool integer = v.datatype != 16 && v.datatype != 64;
  if (integer)
    for (float x : v.data) FUZZ_CHECK(std::isfinite(x), "an integer voxel scaled to " << x);
  if (v.rank <= 3 && n <= (1u << 20)) {
    const NiftiVolume back = parse_nifti(write_nifti(v, 16), "written");
    FUZZ_CHECK(back.dim == v.dim && back.rank == v.rank && back.data.size() == v.data.size(), "written shape");
    for (std::size_t i = 0; i < v.data.size(); ++i) FUZZ_CHECK(same_value(back.data[i], v.data[i]), "value " << i);
  }
  return 0;
}
