#include "core/io/idx.h"

#include <gtest/gtest.h>

#include <string>

namespace metalab {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Idx, ParsesImagesAndLabels) {
  // 2 images of 2 x 3 pixels.
  const std::string img = bytes({0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255});
  const IdxArray a = parse_idx_images(img, "img");
  EXPECT_EQ(a.dims, (std::vector<std::int64_t>{2, 2, 3}));
  EXPECT_EQ(a.count(), 2);
  EXPECT_EQ(a.item_size(), 6);
  EXPECT_EQ(a.data.back(), 255);
  const IdxArray l = parse_idx_labels(bytes({0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9}), "lab");
  EXPECT_EQ(l.dims, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(l.data, (std::vector<std::uint8_t>{7, 0, 9}));
  // Round trip through the writer.
  EXPECT_EQ(write_idx(a), img);
}

TEST(Idx, RejectsTruncatedFiles) {
  const std::string full = bytes({0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8});
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_THROW(parse_idx(full.substr(0, n), "cut"), FormatError) << n << " bytes";
  }
  const std::string m = error_of([&] { parse_idx(full.substr(0, full.size() - 1), "cut.idx"); });
  EXPECT_NE(m.find("cut.idx"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;
  EXPECT_NE(error_of([&] { parse_idx(full.substr(0, 10), "h"); }).find("truncated header"), std::string::npos);
  // Extra bytes after the data are an error too.
  EXPECT_NE(error_of([&] { parse_idx(full + "x", "long"); }).find("after the"), std::string::npos);
}

TEST(Idx, RejectsBadMagicAndTypes) {
  // A gzip header (the file was not decompressed).
  const std::string m = error_of([] { parse_idx(bytes({0x1f, 0x8b, 8, 0, 0, 0, 0, 0}), "train.gz"); });
  EXPECT_NE(m.find("bad magic"), std::string::npos) << m;
  EXPECT_NE(m.find("gzip"), std::string::npos) << m;
  // Float elements (type 0x0D) are not supported.
  EXPECT_NE(error_of([] { parse_idx(bytes({0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}), "f"); }).find("element type"),
            std::string::npos);
  // Labels where images are expected, and the reverse.
  const std::string labels = bytes({0, 0, 8, 1, 0, 0, 0, 1, 5});
  EXPECT_NE(error_of([&] { parse_idx_images(labels, "l"); }).find("0x801"), std::string::npos);
  const std::string images = bytes({0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5});
  EXPECT_NE(error_of([&] { parse_idx_labels(images, "i"); }).find("not a label file"), std::string::npos);
  // Zero dimensions and absurd ranks.
  EXPECT_THROW(parse_idx(bytes({0, 0, 8, 1, 0, 0, 0, 0}), "z"), FormatError);
  EXPECT_THROW(parse_idx(bytes({0, 0, 8, 0}), "r0"), FormatError);
  EXPECT_THROW(parse_idx(bytes({0, 0, 8, 9, 0, 0, 0, 1}), "r9"), FormatError);
}

TEST(Idx, HugeDimensionsDoNotAllocate) {
  // The header claims 4e9 x 4e9 x 4e9 bytes (past 2^64): refused at the cap, no overflow, no allocation.
  const std::string h = bytes({0, 0, 8, 3, 0xEE, 0x6B, 0x28, 0, 0xEE, 0x6B, 0x28, 0, 0xEE, 0x6B, 0x28, 0, 1});
  EXPECT_NE(error_of([&] { parse_idx(h, "big"); }).find("more than the 1073741824 an IDX file may hold"),
            std::string::npos);
}

std::string header(std::initializer_list<std::uint32_t> dims) {
  std::string s = bytes({0, 0, 8, static_cast<int>(dims.size())});
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xFF);
  return s;
}

TEST(Idx, TheCapIsJudgedOnTheHeaderAloneThenTheBytesPresent) {
  static_assert(kIdxMaxBytes == 1u << 30, "the documented cap");
  // One byte past the cap (1025 x 1024 x 1024 = 2^30 + 2^20), in a 16-byte file.
  const std::string over = error_of([&] { parse_idx(header({1025, 1024, 1024}), "over.idx"); });
  EXPECT_NE(over.find("IDX over.idx: the header claims 1025 x 1024 x 1024 bytes of data, more than the 1073741824"),
            std::string::npos) << over;
  // Exactly the cap is allowed by the cap, and refused because the bytes are not there.
  const std::string at = error_of([&] { parse_idx(header({1024, 1024, 1024}), "at.idx"); });
  EXPECT_NE(at.find("truncated: the header promises 1024 x 1024 x 1024 bytes of data, the file has 0"),
            std::string::npos) << at;
  // Four dimensions of 2^32 - 1: the product would overflow 64 bits; refused at the second.
  const std::string wrap = error_of([&] { parse_idx(header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}) + "x", "w"); });
  EXPECT_NE(wrap.find("more than the 1073741824"), std::string::npos) << wrap;
}

}  // namespace
}  // namespace metalab
