// IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.), parsed from
// bytes already in memory (decompress .gz files first: native/data/gz.h does
// it natively with zlib, which stays out of the core; the page hands over
// uncompressed bytes).
//
// The format: a 4-byte magic number 0x00 0x00 <type> <ndims>, then ndims
// big-endian 32-bit dimension sizes, then the data, row-major. MetaLab reads
// unsigned bytes (type 0x08): images are magic 0x00000803 (n x rows x cols)
// and labels 0x00000801 (n). Anything malformed (bad magic, another type, a
// zero dimension, truncated or trailing data) throws FormatError naming the
// source and the problem, before allocating more than the input's size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/format_error.h"

namespace metalab {

struct IdxArray {
  std::string source;                 // display name used in messages
  std::vector<std::int64_t> dims;     // e.g. {60000, 28, 28} or {60000}
  std::vector<std::uint8_t> data;     // product(dims) bytes, row-major
  std::int64_t count() const { return dims.empty() ? 0 : dims[0]; }
  // Elements per item: product of dims[1..].
  std::int64_t item_size() const;
};

// Parses an unsigned-byte IDX file of any rank (1..4).
IdxArray parse_idx(std::string_view bytes, std::string_view source);
// Parses and checks the magic number: 0x803 (3-D images) or 0x801 (labels).
IdxArray parse_idx_images(std::string_view bytes, std::string_view source);
IdxArray parse_idx_labels(std::string_view bytes, std::string_view source);

// The bytes of an IDX file holding `array` (tests, exporting).
std::string write_idx(const IdxArray& array);

}  // namespace metalab
