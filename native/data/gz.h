// Native-only: gzip decompression with zlib, for the compressed IDX files of
// Fashion-MNIST (Debian's dataset-fashion-mnist ships
// /usr/share/datasets/fashion-mnist/*-ubyte.gz). zlib stays out of the core,
// which must build for WebAssembly; the page hands the core uncompressed bytes.
//
//   IdxArray images = parse_idx_images(read_maybe_gzipped_file(path), path);
#pragma once

#include <string>
#include <string_view>

namespace metalab {

// Decompresses a gzip stream held in memory. DataError (core/io/csv.h) naming
// `name` for a corrupt or truncated stream.
std::string gunzip(std::string_view bytes, const std::string& name);

// The file's bytes, decompressed when they start with the gzip magic number
// (1f 8b); other files are returned as they are. DataError if it cannot be read.
std::string read_maybe_gzipped_file(const std::string& path);

}  // namespace metalab
