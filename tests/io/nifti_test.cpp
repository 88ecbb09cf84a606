#include "core/io/nifti.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "native/data/gz.h"
#include "tests/support/error_text.h"

namespace metalab {
namespace {

using test::read_asset;

// A 3 x 2 x 2 volume with values 0..11 and a translation in its affine.
NiftiVolume small_volume() {
  NiftiVolume v;
  v.source = "small";
  v.dim = {3, 2, 2, 1, 1, 1, 1};
  v.rank = 3;
  v.voxel_size = {2, 2, 3};
  v.affine << 2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 3, 5;
  for (int i = 0; i < 12; ++i) v.data.push_back(static_cast<float>(i));
  return v;
}

template <typename T>
void put(std::string& b, std::size_t offset, T value) {
  std::memcpy(&b[offset], &value, sizeof value);
}

template <typename T>
void put_be(std::string& b, std::size_t offset, T value) {
  unsigned char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof value);
  for (std::size_t i = 0; i < sizeof(T); ++i) b[offset + i] = static_cast<char>(raw[sizeof(T) - 1 - i]);
}

std::string gzip(const std::string& bytes) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Nifti, RoundTripsAVolumeWithItsAffine) {
  for (int datatype : {2, 16}) {
    const std::string bytes = write_nifti(small_volume(), datatype);
    EXPECT_EQ(bytes.size(), 352u + 12u * (datatype == 2 ? 1u : 4u));
    const NiftiVolume v = parse_nifti(bytes, "small.nii");
    EXPECT_EQ(v.nx(), 3);
    EXPECT_EQ(v.ny(), 2);
    EXPECT_EQ(v.nz(), 2);
    EXPECT_EQ(v.volumes(), 1);
    EXPECT_EQ(v.datatype, datatype);
    EXPECT_FALSE(v.big_endian);
    EXPECT_FLOAT_EQ(v.at(2, 1, 1), 11.0f);
    EXPECT_FLOAT_EQ(v.at(1, 0, 1), 7.0f);  // x fastest: 1 + 3 * (0 + 2 * 1)
    const Eigen::Vector3d w = v.world(1, 1, 1);
    EXPECT_DOUBLE_EQ(w.x(), -8.0);
    EXPECT_DOUBLE_EQ(w.y(), -18.0);
    EXPECT_DOUBLE_EQ(w.z(), 8.0);
    EXPECT_FLOAT_EQ(v.voxel_size[2], 3.0f);
  }
}

TEST(Nifti, AppliesScalingAndReadsBigEndianFiles) {
  // int16 data, scl_slope 0.5 and scl_inter 10, every field byte-swapped.
  std::string b(352 + 4 * 2, '\0');
  put_be<std::int32_t>(b, 0, 348);
  put_be<std::int16_t>(b, 40, 3);
  put_be<std::int16_t>(b, 42, 2);
  put_be<std::int16_t>(b, 44, 2);
  put_be<std::int16_t>(b, 46, 1);
  put_be<std::int16_t>(b, 70, 4);   // int16
  put_be<std::int16_t>(b, 72, 16);  // bitpix
  for (int i = 1; i <= 3; ++i) put_be<float>(b, 76 + 4 * static_cast<std::size_t>(i), 1.5f);
  put_be<float>(b, 108, 352.0f);
  put_be<float>(b, 112, 0.5f);
  put_be<float>(b, 116, 10.0f);
  std::memcpy(&b[344], "n+1\0", 4);
  const std::int16_t raw[4] = {-4, 0, 2, 300};
  for (int i = 0; i < 4; ++i) put_be<std::int16_t>(b, 352 + 2 * static_cast<std::size_t>(i), raw[i]);
  const NiftiVolume v = parse_nifti(b, "be.nii");
  EXPECT_TRUE(v.big_endian);
  EXPECT_EQ(v.nx(), 2);
  EXPECT_EQ(v.nz(), 1);
  EXPECT_FLOAT_EQ(v.at(0, 0, 0), 8.0f);    // -4 * 0.5 + 10
  EXPECT_FLOAT_EQ(v.at(1, 1, 0), 160.0f);  // 300 * 0.5 + 10
  // No sform or qform: pixdim scaling.
  EXPECT_DOUBLE_EQ(v.world(2, 0, 0).x(), 3.0);
  // scl_slope 0 means "no scaling" (the standard's rule), not "all zero".
  put_be<float>(b, 112, 0.0f);
  EXPECT_FLOAT_EQ(parse_nifti(b, "be.nii").at(1, 1, 0), 300.0f);
  // A slope that scales an integer voxel past the float range is an error of the file, not inf (a fuzzed finding).
  put_be<float>(b, 112, 3e36f);
  try {
    parse_nifti(b, "huge_slope.nii");
    ADD_FAILURE() << "300 * 3e36 is beyond float";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("huge_slope.nii"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("beyond the float range"), std::string::npos) << e.what();
  }
}

TEST(Nifti, RejectsMalformedHeaders) {
  const std::string good = write_nifti(small_volume(), 2);
  auto with = [&](auto edit) {
    std::string b = good;
    edit(b);
    return b;
  };
  // Wrong header size (and NIfTI-2's 540, named as such).
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int32_t>(b, 0, 349); }), "h.nii"),
                   "NIfTI h.nii: header size 349 (bytes 0-3, little-endian) is not 348");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int32_t>(b, 0, 540); }), "h.nii"), "NIfTI-2");
  // Wrong magic, and a .hdr/.img pair.
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { std::memcpy(&b[344], "abc\0", 4); }), "m.nii"),
                   "bad magic 'abc?' at byte 344");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { std::memcpy(&b[344], "ni1\0", 4); }), "m.nii"), ".hdr/.img pair");
  // Inconsistent dimensions.
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 40, 0); }), "d.nii"), "dim[0] = 0");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 40, 9); }), "d.nii"), "dim[0] = 9");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 44, 0); }), "d.nii"),
                   "dim[2] = 0: sizes must be >= 1");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 44, -3); }), "d.nii"), "dim[2] = -3");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<float>(b, 84, 0.0f); }), "d.nii"),
                   "pixdim[2] = 0: voxel sizes must be positive");
  // Datatype and bitpix.
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 70, 128); }), "t.nii"),
                   "datatype 128 (byte 70) is not supported");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<std::int16_t>(b, 72, 16); }), "t.nii"),
                   "bitpix 16 (byte 72) does not match datatype uint8");
  // vox_offset.
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<float>(b, 108, 100.0f); }), "o.nii"),
                   "vox_offset 100 (byte 108) must be a whole number >= 352");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<float>(b, 108, 352.5f); }), "o.nii"), "vox_offset 352.5");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<float>(b, 108, 4096.0f); }), "o.nii"),
                   "vox_offset 4096 is beyond the end of the file (364 bytes)");
  EXPECT_ERROR_HAS(parse_nifti(with([](std::string& b) { put<float>(b, 116, NAN); }), "s.nii"), "scl_inter nan");
  // Gzip bytes handed over without decompressing.
  EXPECT_ERROR_HAS(parse_nifti(gzip(good), "g.nii.gz"), "gzip-compressed (.nii.gz); decompress it first");
}

TEST(Nifti, RefusesSizesBeyondTheBytesPresentBeforeAllocating) {
  const std::string good = write_nifti(small_volume(), 16);
  // Every truncation fails cleanly, in the header or in the data.
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_THROW(parse_nifti(good.substr(0, n), "cut"), DataError) << n;
  EXPECT_ERROR_HAS(parse_nifti(good.substr(0, 200), "cut.nii"), "truncated header: 200 bytes");
  EXPECT_ERROR_HAS(parse_nifti(good.substr(0, good.size() - 1), "cut.nii"),
                   "truncated: the header promises 3 x 2 x 2 voxels of 4 bytes after vox_offset 352, the file has 47 bytes");
  // A header claiming 32767^7 voxels (about 4e31 bytes) in a 364-byte file: refused at the cap,
  // on the second dimension, long before the product could overflow.
  std::string huge = good;
  put<std::int16_t>(huge, 40, 7);
  for (int i = 1; i <= 7; ++i) put<std::int16_t>(huge, 40 + 2 * static_cast<std::size_t>(i), 32767);
  EXPECT_ERROR_HAS(parse_nifti(huge, "huge.nii"),
                   "NIfTI huge.nii: the header claims 32767 x 32767 x ... voxels, more than the 268435456 a volume may have");
  // Under the cap but beyond the bytes present: truncated.
  std::string big = good;
  for (int i = 1; i <= 3; ++i) put<std::int16_t>(big, 40 + 2 * static_cast<std::size_t>(i), 512);
  EXPECT_ERROR_HAS(parse_nifti(big, "big.nii"), "truncated: the header promises 512 x 512 x 512 voxels of 4 bytes");
  // One voxel past the cap (2^28 = 16384 x 16384 x 1, plus one row), and exactly at it.
  std::string over = good;
  put<std::int16_t>(over, 42, 16384);
  put<std::int16_t>(over, 44, 16385);
  put<std::int16_t>(over, 46, 1);
  EXPECT_ERROR_HAS(parse_nifti(over, "over.nii"), "more than the 268435456 a volume may have");
  put<std::int16_t>(over, 44, 16384);
  EXPECT_ERROR_HAS(parse_nifti(over, "at.nii"), "truncated: the header promises 16384 x 16384 x 1 voxels");
  // Bytes after the data are allowed (some writers pad).
  EXPECT_NO_THROW(parse_nifti(good + std::string(16, '\0'), "padded.nii"));
}

TEST(Nifti, ReadsTheShippedColin27VolumesAndTheirGzippedForm) {
  const std::string t1_bytes = read_asset("colin27_t1_2mm.nii");
  const NiftiVolume t1 = parse_nifti(t1_bytes, "colin27_t1_2mm.nii");
  const NiftiVolume aal = parse_nifti(read_asset("colin27_aal_2mm.nii"), "colin27_aal_2mm.nii");
  EXPECT_EQ(t1.nx(), 90);
  EXPECT_EQ(t1.ny(), 106);
  EXPECT_EQ(t1.nz(), 73);
  EXPECT_EQ(aal.nx(), 90);
  EXPECT_FLOAT_EQ(t1.voxel_size[0], 2.0f);
  float peak = 0;
  for (float x : aal.data) peak = std::max(peak, x);
  EXPECT_FLOAT_EQ(peak, 116.0f);
  // MNI world coordinates: voxel (45, 63, 36) lies near the middle of the brain.
  const Eigen::Vector3d w = t1.world(45, 63, 36);
  EXPECT_NEAR(w.x(), 0.5, 1e-4);
  EXPECT_LT(std::abs(w.y()), 30.0);
  EXPECT_LT(std::abs(w.z()), 30.0);
  // The same file gzipped, as mricron-data ships its templates, through the native zlib reader.
  const std::string unzipped = gunzip(gzip(t1_bytes), "colin27_t1_2mm.nii.gz");
  EXPECT_EQ(parse_nifti(unzipped, "colin27_t1_2mm.nii.gz").data, t1.data);
}

}  // namespace
}  // namespace metalab
