#include "core/io/nifti.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace metalab {

namespace {

constexpr std::size_t kHeaderSize = 348;
constexpr std::size_t kMinVoxOffset = 352;  // header + the 4-byte extension flag

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw DataError(printable_text("NIfTI " + std::string(source) + ": " + what));
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Reads header fields and voxels in the file's byte order (the host is little-endian:
// x86-64 natively, WebAssembly in the page).
class Bytes {
 public:
  Bytes(std::string_view b, bool big) : b_(b), big_(big) {}
  template <typename T>
  T get(std::size_t offset) const {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, b_.data() + offset, sizeof(T));
    if (big_)
      for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(raw[i], raw[sizeof(T) - 1 - i]);
    T v;
    std::memcpy(&v, raw, sizeof(T));
    return v;
  }

 private:
  std::string_view b_;
  bool big_;
};

struct TypeInfo {
  int code, bytes;
  const char* name;
};
constexpr TypeInfo kTypes[] = {{2, 1, "uint8"},   {256, 1, "int8"},   {4, 2, "int16"},    {512, 2, "uint16"},
                               {8, 4, "int32"},   {768, 4, "uint32"}, {16, 4, "float32"}, {64, 8, "float64"}};

const TypeInfo* find_type(int code) {
  for (const TypeInfo& t : kTypes)
    if (t.code == code) return &t;
  return nullptr;
}

template <typename T>
void convert(const Bytes& in, std::size_t offset, std::size_t n, float slope, float inter, std::vector<float>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(static_cast<double>(in.get<T>(offset + i * sizeof(T))) * slope + inter);
}

std::int32_t raw_int32(std::string_view b, bool big) { return Bytes(b, big).get<std::int32_t>(0); }

}  // namespace

long NiftiVolume::volumes() const {
  long n = 1;
  for (int i = 3; i < 7; ++i) n *= dim[static_cast<std::size_t>(i)];
  return n;
}

NiftiVolume parse_nifti(std::string_view bytes, std::string_view source) {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
    fail(source, "is gzip-compressed (.nii.gz); decompress it first");
  if (bytes.size() < 4) fail(source, "is " + std::to_string(bytes.size()) + " bytes long, too short for a header");
  bool big = false;
  const std::int32_t le = raw_int32(bytes, false), be = raw_int32(bytes, true);
  if (le == 348) {
    big = false;
  } else if (be == 348) {
    big = true;
  } else if (le == 540 || be == 540) {
    fail(source, "header size 540 (bytes 0-3) is NIfTI-2, which is not supported (only NIfTI-1, 348)");
  } else {
    fail(source, "header size " + std::to_string(le) + " (bytes 0-3, little-endian) is not 348: not a NIfTI-1 file");
  }
  if (bytes.size() < kHeaderSize)
    fail(source, "truncated header: " + std::to_string(bytes.size()) + " bytes, a NIfTI-1 header is 348");
  const Bytes h(bytes, big);
  const std::string_view magic = bytes.substr(344, 4);
  if (magic == std::string_view("ni1\0", 4))
    fail(source, "magic 'ni1' (byte 344) marks a .hdr/.img pair; only single-file .nii ('n+1') is supported");
  if (magic != std::string_view("n+1\0", 4)) {
    std::string shown;
    for (char c : magic) shown += (c >= 32 && c < 127) ? c : '?';
    fail(source, "bad magic '" + shown + "' at byte 344 (expected 'n+1')");
  }

  NiftiVolume v;
  v.source = std::string(source);
  v.big_endian = big;
  const int rank = h.get<std::int16_t>(40);
  if (rank < 1 || rank > 7) fail(source, "dim[0] = " + std::to_string(rank) + " (byte 40): the rank must be 1..7");
  v.rank = rank;
  for (int i = 1; i <= rank; ++i) {
    const int d = h.get<std::int16_t>(40 + 2 * static_cast<std::size_t>(i));
    if (d < 1) fail(source, "dim[" + std::to_string(i) + "] = " + std::to_string(d) + ": sizes must be >= 1");
    v.dim[static_cast<std::size_t>(i - 1)] = d;
  }
  v.datatype = h.get<std::int16_t>(70);
  const TypeInfo* type = find_type(v.datatype);
  if (!type)
    fail(source, "datatype " + std::to_string(v.datatype) +
                     " (byte 70) is not supported (uint8 2, int8 256, int16 4, uint16 512, int32 8, uint32 768, float32 16, float64 64)");
  const int bitpix = h.get<std::int16_t>(72);
  if (bitpix != 8 * type->bytes)
    fail(source, "bitpix " + std::to_string(bitpix) + " (byte 72) does not match datatype " + type->name + " (" +
                     std::to_string(8 * type->bytes) + " bits)");
  for (int i = 1; i <= 3; ++i) {
    const float p = h.get<float>(76 + 4 * static_cast<std::size_t>(i));
    if (i <= rank && !(std::isfinite(p) && p > 0))
      fail(source, "pixdim[" + std::to_string(i) + "] = " + num(p) + ": voxel sizes must be positive");
    v.voxel_size[static_cast<std::size_t>(i - 1)] = i <= rank ? p : 1.0f;
  }
  const float vox_offset = h.get<float>(108);
  if (!std::isfinite(vox_offset) || vox_offset < static_cast<float>(kMinVoxOffset) ||
      vox_offset != std::floor(vox_offset))
    fail(source, "vox_offset " + num(vox_offset) + " (byte 108) must be a whole number >= 352");
  // Compared as a float first: a huge vox_offset (4e24) does not fit the integer it becomes.
  if (static_cast<double>(vox_offset) > static_cast<double>(bytes.size()))
    fail(source, "vox_offset " + num(vox_offset) + " is beyond the end of the file (" +
                     std::to_string(bytes.size()) + " bytes)");
  const auto offset = static_cast<std::uint64_t>(vox_offset);
  // The claimed size is judged on its own first (the product stops at the
  // cap, each dimension < 2^15: no overflow), then against the bytes present;
  // nothing is allocated before both pass.
  std::uint64_t voxels = 1;
  std::string shape;
  for (int i = 0; i < rank; ++i) {
    voxels *= static_cast<std::uint64_t>(v.dim[static_cast<std::size_t>(i)]);
    shape += (i ? " x " : "") + std::to_string(v.dim[static_cast<std::size_t>(i)]);
    if (voxels > kNiftiMaxVoxels)
      fail(source, "the header claims " + shape + (i + 1 < rank ? " x ..." : "") + " voxels, more than the " +
                       std::to_string(kNiftiMaxVoxels) + " a volume may have");
  }
  const std::uint64_t available = bytes.size() - offset;
  const std::uint64_t need = voxels * static_cast<std::uint64_t>(type->bytes);
  if (need > available)
    fail(source, "truncated: the header promises " + shape + " voxels of " + std::to_string(type->bytes) +
                     " bytes after vox_offset " + std::to_string(offset) + ", the file has " +
                     std::to_string(available) + " bytes there");
  const float slope = h.get<float>(112), inter = h.get<float>(116);
  if (slope != 0.0f && std::isfinite(slope)) {
    if (!std::isfinite(inter)) fail(source, "scl_inter " + num(inter) + " (byte 116) is not finite");
    v.scl_slope = slope;
    v.scl_inter = inter;
  }
  char descrip[81] = {0};
  std::memcpy(descrip, bytes.data() + 148, 80);
  v.description = descrip;

  const int qform_code = h.get<std::int16_t>(252), sform_code = h.get<std::int16_t>(254);
  if (sform_code > 0) {
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) v.affine(r, c) = h.get<float>(280 + 16 * static_cast<std::size_t>(r) + 4 * static_cast<std::size_t>(c));
  } else if (qform_code > 0) {
    const double b = h.get<float>(256), c = h.get<float>(260), d = h.get<float>(264);
    const double a = std::sqrt(std::max(0.0, 1.0 - (b * b + c * c + d * d)));
    Eigen::Matrix3d R;
    R << a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
        2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
        2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c;
    const double qfac = h.get<float>(76) < 0 ? -1.0 : 1.0;
    const Eigen::Vector3d scale(v.voxel_size[0], v.voxel_size[1], qfac * v.voxel_size[2]);
    v.affine.leftCols<3>() = R * scale.asDiagonal();
    v.affine.col(3) = Eigen::Vector3d(h.get<float>(268), h.get<float>(272), h.get<float>(276));
  } else {
    for (int i = 0; i < 3; ++i) v.affine(i, i) = v.voxel_size[static_cast<std::size_t>(i)];
  }

  const auto n = static_cast<std::size_t>(voxels);
  const Bytes data(bytes, big);
  switch (v.datatype) {
    case 2: convert<std::uint8_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 256: convert<std::int8_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 4: convert<std::int16_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 512: convert<std::uint16_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 8: convert<std::int32_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 768: convert<std::uint32_t>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 16: convert<float>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
    case 64: convert<double>(data, offset, n, v.scl_slope, v.scl_inter, v.data); break;
  }
  // Integers scaled past the float range (a fuzzed scl_slope of 1e38): an error of the file, not inf.
  // (Float data may hold inf or NaN of its own; the readers of volumes handle those.)
  if (v.datatype != 16 && v.datatype != 64)
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(v.data[i]))
        fail(source, "scl_slope " + num(v.scl_slope) + " and scl_inter " + num(v.scl_inter) + " scale voxel " +
                         std::to_string(i) + " beyond the float range");
  return v;
}

std::string write_nifti(const NiftiVolume& v, int datatype) {
  if (datatype != 2 && datatype != 16) throw std::invalid_argument("write_nifti: datatype must be 2 (uint8) or 16 (float32)");
  const std::size_t n = static_cast<std::size_t>(v.voxels_per_volume() * v.volumes());
  if (v.data.size() != n) throw std::invalid_argument("write_nifti: data size does not match the dimensions");
  std::string out(kMinVoxOffset, '\0');
  auto put = [&](std::size_t off, auto value) { std::memcpy(&out[off], &value, sizeof value); };
  put(0, std::int32_t{348});
  put(40, static_cast<std::int16_t>(v.rank));
  for (int i = 0; i < 7; ++i) put(42 + 2 * static_cast<std::size_t>(i), static_cast<std::int16_t>(v.dim[static_cast<std::size_t>(i)]));
  put(70, static_cast<std::int16_t>(datatype));
  put(72, static_cast<std::int16_t>(datatype == 2 ? 8 : 32));
  put(76, 1.0f);
  for (int i = 0; i < 3; ++i) put(80 + 4 * static_cast<std::size_t>(i), v.voxel_size[static_cast<std::size_t>(i)]);
  put(108, static_cast<float>(kMinVoxOffset));
  put(112, 1.0f);
  out[123] = 2;  // millimetres
  std::memcpy(&out[148], v.description.data(), std::min<std::size_t>(v.description.size(), 79));
  put(254, std::int16_t{2});
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) put(280 + 16 * static_cast<std::size_t>(r) + 4 * static_cast<std::size_t>(c), static_cast<float>(v.affine(r, c)));
  std::memcpy(&out[344], "n+1\0", 4);
  for (float x : v.data) {
    if (datatype == 2) {
      out += static_cast<char>(static_cast<unsigned char>(std::lround(std::min(255.0f, std::max(0.0f, x)))));
    } else {
      char b[4];
      std::memcpy(b, &x, 4);
      out.append(b, 4);
    }
  }
  return out;
}

}  // namespace metalab
