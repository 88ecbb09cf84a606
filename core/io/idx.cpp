#include "core/io/idx.h"

#include <sstream>

namespace metalab {

namespace {

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw FormatError("IDX " + std::string(source) + ": " + what);
}

std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string hex(unsigned v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

// The first n dimensions of the header at p, "60000 x 28 x 28".
std::string dims_text(const unsigned char* p, unsigned n) {
  std::string s;
  for (unsigned k = 0; k < n; ++k) s += (k ? " x " : "") + std::to_string(read_be32(p + 4 + 4 * k));
  return s;
}

}  // namespace

std::int64_t IdxArray::item_size() const {
  std::int64_t n = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

IdxArray parse_idx(std::string_view bytes, std::string_view source) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4) fail(source, "too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (p[0] != 0 || p[1] != 0)
    fail(source, "bad magic number " + hex(read_be32(p)) + " (an IDX file starts with two zero bytes; is it still gzip-compressed?)");
  const unsigned type = p[2], ndims = p[3];
  if (type != 0x08)
    fail(source, "element type " + hex(type) + " is not supported (only unsigned bytes, 0x08, as in MNIST)");
  if (ndims < 1 || ndims > 4) fail(source, "has " + std::to_string(ndims) + " dimensions (expected 1 to 4)");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (bytes.size() < header)
    fail(source, "truncated header: " + std::to_string(ndims) + " dimensions need " + std::to_string(header) +
                     " bytes, the file has " + std::to_string(bytes.size()));
  IdxArray out;
  out.source = std::string(source);
  // Dimensions are < 2^32 each and the running product stops at the cap, so
  // it cannot overflow; what the header claims is judged before the bytes
  // present, and nothing is allocated for either.
  std::uint64_t total = 1;
  const std::uint64_t available = bytes.size() - header;
  for (unsigned d = 0; d < ndims; ++d) {
    const std::uint32_t n = read_be32(p + 4 + 4 * d);
    if (n == 0) fail(source, "dimension " + std::to_string(d) + " is zero");
    out.dims.push_back(n);
    total *= n;  // total <= 2^30 before, n < 2^32: no overflow
    if (total > kIdxMaxBytes)
      fail(source, "the header claims " + dims_text(p, ndims) + " bytes of data, more than the " +
                       std::to_string(kIdxMaxBytes) + " an IDX file may hold");
  }
  if (total > available)
    fail(source, "truncated: the header promises " + dims_text(p, ndims) + " bytes of data, the file has " +
                     std::to_string(available));
  if (total != available)
    fail(source, "has " + std::to_string(available - total) + " bytes after the " + std::to_string(total) +
                     " bytes of data its header describes");
  out.data.assign(p + header, p + header + total);
  return out;
}

IdxArray parse_idx_images(std::string_view bytes, std::string_view source) {
  if (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 && static_cast<unsigned char>(bytes[2]) == 0x08 &&
      bytes[3] != 3)
    fail(source, "is not an image file: magic " + hex(read_be32(reinterpret_cast<const unsigned char*>(bytes.data()))) +
                     ", expected 0x803 (n x rows x columns unsigned bytes)");
  return parse_idx(bytes, source);
}

IdxArray parse_idx_labels(std::string_view bytes, std::string_view source) {
  if (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 && static_cast<unsigned char>(bytes[2]) == 0x08 &&
      bytes[3] != 1)
    fail(source, "is not a label file: magic " + hex(read_be32(reinterpret_cast<const unsigned char*>(bytes.data()))) +
                     ", expected 0x801 (n unsigned bytes)");
  return parse_idx(bytes, source);
}

std::string write_idx(const IdxArray& a) {
  if (a.dims.empty() || a.dims.size() > 4) throw std::invalid_argument("write_idx: 1 to 4 dimensions");
  std::int64_t total = 1;
  for (auto d : a.dims) {
    if (d <= 0 || d > 0xFFFFFFFFLL) throw std::invalid_argument("write_idx: dimension out of range");
    total *= d;
  }
  if (total != static_cast<std::int64_t>(a.data.size()))
    throw std::invalid_argument("write_idx: data size does not match the dimensions");
  std::string out;
  out += '\0';
  out += '\0';
  out += static_cast<char>(0x08);
  out += static_cast<char>(a.dims.size());
  for (auto d : a.dims)
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((static_cast<std::uint64_t>(d) >> shift) & 0xFF);
  out.append(reinterpret_cast<const char*>(a.data.data()), a.data.size());
  return out;
}

}  // namespace metalab
