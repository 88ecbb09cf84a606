// Tests of core/io/safetensors: bit-exact round trips, a file built byte by
// byte as the format specifies (F32, F64, F16, BF16), every malformed header
// rejected with a clear FormatError, and truncated or corrupted files that
// must never crash (run these under the native-debug ASan/UBSan preset too).
#include "core/io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/common/rng.h"

namespace metalab {
namespace {

using namespace std::string_literals;

// --- building bytes by hand ---------------------------------------------------

std::string le(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}
std::string f32le(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return le(bits, 4);
}
std::string f64le(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return le(bits, 8);
}
// An 8-byte header length, the header, the data buffer.
std::string file(const std::string& header, const std::string& buffer) {
  return le(header.size(), 8) + header + buffer;
}

std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Loads from an exactly sized heap copy, so ASan sees any read past the end.
Checkpoint load_exact(const std::string& bytes, const char* source = "test.safetensors") {
  const std::vector<char> copy(bytes.begin(), bytes.end());
  return load_safetensors(std::string_view(copy.data(), copy.size()), source);
}

// Expects a FormatError whose message contains every fragment.
void expect_format_error(const std::string& bytes, const std::vector<std::string>& fragments) {
  try {
    load_exact(bytes);
    ADD_FAILURE() << "loaded without error; expected: " << fragments.front();
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("checkpoint test.safetensors: ", 0), 0u) << what;
    for (const std::string& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << what << "\n  lacks: " << f;
  }
}

Matrix matrix(Eigen::Index rows, Eigen::Index cols, std::initializer_list<float> values) {
  Matrix m(rows, cols);
  std::copy(values.begin(), values.end(), m.data());
  return m;
}

bool bit_equal(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0);
}

// A checkpoint that exercises most of the format: metadata, ranks 0 to 4,
// a zero-size tensor.
Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.metadata["learner"] = "maml";
  c.metadata["config"] = R"({"inner_lr":0.01,"steps":5})";
  c.add("layer1.weight", matrix(3, 2, {1, 2, 3, 4, 5, 6}));
  c.add("layer1.bias", {3}, matrix(1, 3, {0.5f, -0.5f, 0.25f}));
  c.add("scale", {}, matrix(1, 1, {7}));
  c.add("empty", {0, 3}, Matrix(0, 3));
  c.add("conv", {2, 1, 2, 2}, matrix(2, 4, {1, 2, 3, 4, 5, 6, 7, 8}));
  return c;
}

// --- round trips --------------------------------------------------------------

TEST(Safetensors, RoundTripsShapesOrderAndMetadata) {
  const Checkpoint c = sample_checkpoint();
  const Checkpoint back = load_safetensors(save_safetensors(c), "mem");
  EXPECT_EQ(back.source, "mem");
  EXPECT_EQ(back.metadata, c.metadata);
  ASSERT_EQ(back.tensors.size(), c.tensors.size());
  for (std::size_t i = 0; i < c.tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, c.tensors[i].first);
    EXPECT_EQ(back.tensors[i].second.shape, c.tensors[i].second.shape);
    EXPECT_EQ(back.tensors[i].second.dtype, "F32");
    EXPECT_TRUE(bit_equal(back.tensors[i].second.data, c.tensors[i].second.data)) << c.tensors[i].first;
  }
  EXPECT_EQ(get_tensor(back, "layer1.bias").data.rows(), 1);
  EXPECT_EQ(get_tensor(back, "conv").data.cols(), 4);
  EXPECT_EQ(get_tensor(back, "empty").data.rows(), 0);
  EXPECT_EQ(save_safetensors(back), save_safetensors(c));
}

TEST(Safetensors, RoundTripsSpecialFloatsBitExactly) {
  const std::uint32_t patterns[] = {
      0x00000000, 0x80000000,  // +-0
      0x00000001, 0x807FFFFF,  // smallest and largest (negative) denormals
      0x00800000, 0x7F7FFFFF,  // smallest normal, FLT_MAX
      0x7F800000, 0xFF800000,  // +-inf
      0x7FC00000, 0x7FC12345,  // quiet NaNs, one with a payload
      0xFFA00001, 0x3EAAAAAB,  // signalling NaN, 1/3
  };
  Matrix m(3, 4);
  for (int i = 0; i < 12; ++i) m.data()[i] = from_bits(patterns[i]);
  Checkpoint c;
  c.add("special", m);
  const Checkpoint back = load_safetensors(save_safetensors(c), "mem");
  const Matrix& r = get_tensor(back, "special").data;
  for (int i = 0; i < 12; ++i) EXPECT_EQ(bits(r.data()[i]), patterns[i]) << i;
}

TEST(Safetensors, RoundTripsEmptyCheckpoint) {
  const std::string bytes = save_safetensors(Checkpoint{});
  EXPECT_EQ(bytes, file("{}      ", ""));
  const Checkpoint back = load_safetensors(bytes, "mem");
  EXPECT_TRUE(back.tensors.empty());
  EXPECT_TRUE(back.metadata.empty());
}

TEST(Safetensors, WritesExactlyTheSpecifiedBytes) {
  Checkpoint c;
  c.metadata["k"] = "v";
  c.add("w", {2}, matrix(1, 2, {1.0f, -2.0f}));
  std::string header = R"({"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(header.size(), 79u);
  header += " ";  // padded to 80 bytes so that the data is 8-byte aligned
  EXPECT_EQ(save_safetensors(c), file(header, f32le(1.0f) + f32le(-2.0f)));

  Checkpoint no_metadata;
  no_metadata.add("x", matrix(1, 1, {3}));
  const std::string bytes = save_safetensors(no_metadata);
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ((bytes.size() - 4) % 8, 0u);
}

// A file laid out as the spec defines, with dtypes PyTorch writes, header keys
// in another order than the data, whitespace and padding.
TEST(Safetensors, ReadsHandBuiltFileWithF32F64F16BF16) {
  const std::string header =
      "{\"bf\": {\"dtype\": \"BF16\", \"shape\": [4], \"data_offsets\": [32, 40]},\n"
      " \"__metadata__\": {\"format\": \"pt\"},\n"
      " \"w\": {\"shape\": [2, 2], \"dtype\": \"F32\", \"data_offsets\": [0, 16]},\n"
      " \"d\": {\"data_offsets\": [16, 32], \"dtype\": \"F64\", \"shape\": [2]},\n"
      " \"h\": {\"dtype\": \"F16\", \"shape\": [2, 2, 2], \"data_offsets\": [40, 56]},\n"
      " \"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [56, 60], \"extra\": 1}}   ";
  std::string buffer = f32le(1) + f32le(2) + f32le(3) + f32le(4);  // w
  buffer += f64le(0.1) + f64le(-1e300);                            // d
  for (std::uint16_t v : {0x3F80, 0xC040, 0x4049, 0xFF80}) buffer += le(v, 2);  // bf
  for (std::uint16_t v : {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x7E00, 0x8000}) buffer += le(v, 2);
  buffer += f32le(42);  // s
  ASSERT_EQ(buffer.size(), 60u);

  const Checkpoint c = load_exact(file(header, buffer));
  ASSERT_EQ(c.tensors.size(), 5u);
  const char* order[] = {"bf", "w", "d", "h", "s"};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.tensors[i].first, order[i]);
  EXPECT_EQ(c.metadata.at("format"), "pt");

  const TensorEntry& w = get_tensor(c, "w");
  EXPECT_EQ(w.dtype, "F32");
  EXPECT_TRUE(bit_equal(w.data, matrix(2, 2, {1, 2, 3, 4})));

  const TensorEntry& d = get_tensor(c, "d");
  EXPECT_EQ(d.dtype, "F64");
  EXPECT_EQ(d.shape, (std::vector<std::int64_t>{2}));
  ASSERT_EQ(d.data.rows(), 1);
  EXPECT_EQ(d.data(0, 0), 0.1f);
  EXPECT_EQ(d.data(0, 1), -std::numeric_limits<float>::infinity());  // IEEE overflow

  const TensorEntry& bf = get_tensor(c, "bf");
  EXPECT_EQ(bf.dtype, "BF16");
  EXPECT_TRUE(bit_equal(bf.data, matrix(1, 4, {1.0f, -3.0f, 3.140625f, -std::numeric_limits<float>::infinity()})));

  const TensorEntry& h = get_tensor(c, "h");
  EXPECT_EQ(h.dtype, "F16");
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{2, 2, 2}));
  ASSERT_EQ(h.data.rows(), 2);
  ASSERT_EQ(h.data.cols(), 4);
  const float* v = h.data.data();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 65504.0f);
  EXPECT_EQ(v[3], std::ldexp(1.0f, -24));  // smallest subnormal half
  EXPECT_EQ(v[4], std::ldexp(1.0f, -14));  // smallest normal half
  EXPECT_EQ(v[5], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[6]));
  EXPECT_EQ(bits(v[7]), 0x80000000u);  // -0

  const TensorEntry& s = get_tensor(c, "s");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.data(0, 0), 42.0f);
}

TEST(Safetensors, ConvertsEveryHalfExactly) {
  // Every finite F16 value against its definition: (-1)^s * 2^(e-15) * 1.m
  // (or 2^-14 * 0.m for subnormals).
  std::string buffer;
  for (std::uint32_t v = 0; v < 65536; ++v) buffer += le(v, 2);
  const std::string header = R"({"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}})";
  const Checkpoint c = load_exact(file(header, buffer));
  const Matrix& m = get_tensor(c, "all").data;
  for (std::uint32_t v = 0; v < 65536; ++v) {
    const int e = static_cast<int>((v >> 10) & 0x1F);
    const int mant = static_cast<int>(v & 0x3FF);
    const float sign = (v & 0x8000) ? -1.0f : 1.0f;
    const float got = m.data()[v];
    if (e == 31) {
      EXPECT_EQ(std::isnan(got), mant != 0) << v;
      continue;
    }
    const float want = e == 0 ? sign * std::ldexp(static_cast<float>(mant), -24)
                              : sign * std::ldexp(static_cast<float>(1024 + mant), e - 25);
    ASSERT_EQ(bits(got), bits(want)) << "half 0x" << std::hex << v;
  }
}

TEST(Safetensors, F64BeyondFloatRangeRoundsLikeIeee) {
  const double halfway = 0x1.ffffffp+127;  // between FLT_MAX and 2^128: ties to even, i.e. inf
  const std::string header = R"({"d":{"dtype":"F64","shape":[6],"data_offsets":[0,48]}})";
  const std::string buffer = f64le(std::nextafter(halfway, 0.0)) + f64le(halfway) + f64le(-1e39) +
                             f64le(-1e-50) + f64le(std::nan("")) + f64le(1e-40);
  const Checkpoint c = load_exact(file(header, buffer));
  const Matrix& m = get_tensor(c, "d").data;
  EXPECT_EQ(m(0, 0), std::numeric_limits<float>::max());
  EXPECT_EQ(m(0, 1), std::numeric_limits<float>::infinity());
  EXPECT_EQ(m(0, 2), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits(m(0, 3)), 0x80000000u);
  EXPECT_TRUE(std::isnan(m(0, 4)));
  EXPECT_EQ(m(0, 5), static_cast<float>(1e-40));  // a float denormal
}

// --- building checkpoints -----------------------------------------------------

TEST(Safetensors, RejectsCheckpointsThatCannotBeWritten) {
  Checkpoint c;
  c.add("a", Matrix(2, 2));
  EXPECT_THROW(c.add("a", Matrix(1, 1)), std::invalid_argument);
  EXPECT_THROW(c.add("b", {3}, Matrix(3, 1)), std::invalid_argument);  // [3] is held as 1 x 3
  EXPECT_THROW(c.add("c", {-1, 2}, Matrix(0, 2)), std::invalid_argument);

  Checkpoint reserved;
  reserved.tensors.emplace_back("__metadata__", TensorEntry{{1}, Matrix(1, 1), "F32"});
  EXPECT_THROW(save_safetensors(reserved), std::invalid_argument);
  Checkpoint duplicate;
  duplicate.tensors.emplace_back("x", TensorEntry{{1}, Matrix(1, 1), "F32"});
  duplicate.tensors.emplace_back("x", TensorEntry{{1}, Matrix(1, 1), "F32"});
  EXPECT_THROW(save_safetensors(duplicate), std::invalid_argument);
  Checkpoint mismatch;
  mismatch.tensors.emplace_back("x", TensorEntry{{2, 2}, Matrix(1, 4), "F32"});
  EXPECT_THROW(save_safetensors(mismatch), std::invalid_argument);
  Checkpoint bad_utf8;
  bad_utf8.metadata["k"] = "\xFF";
  EXPECT_THROW(save_safetensors(bad_utf8), std::invalid_argument);
}

TEST(Safetensors, MatrixDimsAndFormatShape) {
  using Shape = std::vector<std::int64_t>;
  EXPECT_EQ(matrix_dims(Shape{}), std::make_pair(Eigen::Index{1}, Eigen::Index{1}));
  EXPECT_EQ(matrix_dims(Shape{5}), std::make_pair(Eigen::Index{1}, Eigen::Index{5}));
  EXPECT_EQ(matrix_dims(Shape{4, 5}), std::make_pair(Eigen::Index{4}, Eigen::Index{5}));
  EXPECT_EQ(matrix_dims(Shape{64, 3, 3, 3}), std::make_pair(Eigen::Index{64}, Eigen::Index{27}));
  EXPECT_EQ(matrix_dims(Shape{3, 0, 7}), std::make_pair(Eigen::Index{3}, Eigen::Index{0}));
  EXPECT_THROW(matrix_dims(Shape{2, -1}), std::invalid_argument);
  EXPECT_EQ(format_shape(Shape{40, 2}), "[40,2]");
  EXPECT_EQ(format_shape(Shape{}), "[]");
}

// --- lookups ------------------------------------------------------------------

TEST(Safetensors, LookupErrorsNameWhatIsMissingAndWhatIsThere) {
  Checkpoint c = load_safetensors(save_safetensors(sample_checkpoint()), "runs/maml.safetensors");
  EXPECT_EQ(find_tensor(c, "nope"), nullptr);
  EXPECT_NE(find_tensor(c, "scale"), nullptr);
  try {
    get_tensor(c, "layer3.weight");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(),
                 "checkpoint runs/maml.safetensors: no tensor 'layer3.weight'; it has 'layer1.weight', "
                 "'layer1.bias', 'scale', 'empty', 'conv'");
  }
  try {
    expect_shape(c, "layer1.weight", {3, 3});
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(),
                 "checkpoint runs/maml.safetensors: tensor 'layer1.weight' has shape [3,2], model expects [3,3]");
  }
  EXPECT_EQ(expect_shape(c, "layer1.weight", {3, 2}).data(2, 1), 6.0f);
  EXPECT_EQ(get_metadata(c, "learner"), "maml");
  try {
    get_metadata(c, "seed");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "checkpoint runs/maml.safetensors: no metadata key 'seed'; it has 'config', 'learner'");
  }
  EXPECT_EQ(get_metadata_or(c, "seed", "0"), "0");
  EXPECT_EQ(get_metadata_or(c, "learner", "?"), "maml");
  try {
    get_tensor(Checkpoint{}, "x");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "checkpoint <in-memory>: no tensor 'x'; it has no tensors");
  }
}

TEST(Safetensors, ExpectShapeMessageAsLearnersShowIt) {
  Checkpoint c;
  c.add("layer1.weight", Matrix::Zero(40, 1));
  c.source = "X";
  try {
    expect_shape(c, "layer1.weight", {40, 2});
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "checkpoint X: tensor 'layer1.weight' has shape [40,1], model expects [40,2]");
  }
}

// --- malformed files ----------------------------------------------------------

// A one-tensor header: {"a":{"dtype":DTYPE,"shape":SHAPE,"data_offsets":OFFSETS}}
std::string one(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"a":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
}

TEST(Safetensors, RejectsBadFraming) {
  expect_format_error("", {"file is 0 bytes, too short"});
  expect_format_error("abc", {"file is 3 bytes"});
  expect_format_error(le(1000, 8) + "{}", {"header length 1000 exceeds the 2 bytes after it"});
  expect_format_error(le(100000001, 8) + "{}", {"header length 100000001 is absurd"});
  expect_format_error(le(~std::uint64_t{0}, 8), {"header length 18446744073709551615 is absurd"});
  expect_format_error(file("", ""), {"does not start with '{'"});
  expect_format_error(file(" {}", ""), {"does not start with '{'"});
  expect_format_error(file("[1,2]", ""), {"does not start with '{'"});
  expect_format_error(file("{\"a\":", ""), {"header is not valid JSON", "at byte 13 of the file"});
  expect_format_error(file("{}\0\0"s, ""), {"header is not valid JSON", "unexpected byte 0x00 at byte 10 of the file"});
  expect_format_error(file("{}", "xyz"), {"3 trailing bytes"});
  EXPECT_NO_THROW(load_exact(file("{}        ", "")));  // space padding is fine
}

TEST(Safetensors, RejectsBadTensorEntries) {
  const std::string eight = f32le(1) + f32le(2);
  expect_format_error(file(R"({"a":[1]})", ""), {"tensor 'a' is an array, expected an object"});
  expect_format_error(file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight), {"tensor 'a' has no \"dtype\""});
  expect_format_error(file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", eight), {"tensor 'a' has no \"shape\""});
  expect_format_error(file(R"({"a":{"dtype":"F32","shape":[2]}})", eight), {"tensor 'a' has no \"data_offsets\""});
  expect_format_error(file(R"({"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}})", eight),
                      {"\"dtype\" is a number, expected a string"});
  expect_format_error(file(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", eight),
                      {"\"shape\" is a number, expected an array"});
  expect_format_error(file(one("I64", "[1]", "[0,8]"), eight), {"unsupported dtype 'I64'", "F32, F64, F16, BF16"});
  expect_format_error(file(one("F8_E4M3", "[8]", "[0,8]"), eight), {"unsupported dtype 'F8_E4M3'"});
  expect_format_error(file(one("f32", "[2]", "[0,8]"), eight), {"unsupported dtype 'f32'"});
  expect_format_error(file(one("F32", "[3]", "[0,8]"), eight),
                      {"tensor 'a': shape [3] of F32 needs 3 x 4 bytes, but data_offsets span 8"});
  expect_format_error(file(one("F64", "[2]", "[0,8]"), eight), {"shape [2] of F64 needs 2 x 8 bytes"});
  expect_format_error(file(one("F32", "[2,-1]", "[0,8]"), eight), {"negative dimension -1 in shape [2,-1]"});
  expect_format_error(file(one("F32", "[2.5]", "[0,8]"), eight), {"dimension 2.5 is not an integer"});
  expect_format_error(file(one("F32", "[\"2\"]", "[0,8]"), eight), {"dimension \"2\" is not an integer"});
  expect_format_error(file(one("F32", "[9007199254740992,9007199254740992]", "[0,8]"), eight), {"is too large"});
  expect_format_error(file(one("F32", "[0,9007199254740992,4]", "[0,0]"), ""), {"is too large"});
  expect_format_error(file(one("F32", "[18014398509481984]", "[0,8]"), eight), {"dimension 18014398509481984 is too large"});
  expect_format_error(file(one("F32", "[2]", "[0,8,16]"), eight), {"data_offsets must be [begin, end]"});
  expect_format_error(file(one("F32", "[2]", "[0.5,8]"), eight), {"offset 0.5 is not an integer"});
  expect_format_error(file(one("F32", "[2]", "[0,16]"), eight), {"data_offsets [0,16] out of range", "8 bytes"});
  expect_format_error(file(one("F32", "[2]", "[8,0]"), eight), {"data_offsets [8,0] out of range"});
  expect_format_error(file(one("F32", "[2]", "[-8,0]"), eight), {"data_offsets [-8,0] out of range"});
  expect_format_error(file(one("F32", "[1]", "[4,8]"), eight), {"bytes 0 to 4 of the data buffer belong to no tensor"});
  expect_format_error(file(one("F32", "[1]", "[0,4]"), eight), {"4 trailing bytes"});
}

TEST(Safetensors, RejectsOverlapsGapsAndDuplicates) {
  const std::string twelve = f32le(1) + f32le(2) + f32le(3);
  expect_format_error(
      file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           twelve),
      {"tensors 'a' and 'b' overlap"});
  expect_format_error(
      file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
           twelve),
      {"tensors 'a' and 'b' overlap"});
  expect_format_error(
      file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           twelve),
      {"bytes 4 to 8 of the data buffer belong to no tensor (before 'b')"});
  expect_format_error(
      file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
           f32le(1) + f32le(2)),
      {"overlap"});
  expect_format_error(
      file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           f32le(1) + f32le(2)),
      {"header is not valid JSON", "duplicate key \"a\""});
  // Zero-size tensors may share an offset with each other and with a neighbour.
  const Checkpoint ok = load_exact(
      file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
           R"("z":{"dtype":"F16","shape":[0,5],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           f32le(1) + f32le(2)));
  EXPECT_EQ(ok.tensors.size(), 4u);
  EXPECT_EQ(get_tensor(ok, "z").data.cols(), 5);
}

TEST(Safetensors, RejectsBadMetadata) {
  expect_format_error(file(R"({"__metadata__":{"epochs":5}})", ""),
                      {"__metadata__ value of 'epochs' is a number; metadata values must be strings"});
  expect_format_error(file(R"({"__metadata__":{"a":"x","b":null}})", ""), {"value of 'b' is null"});
  expect_format_error(file(R"({"__metadata__":{"a":{"nested":"x"}}})", ""), {"value of 'a' is an object"});
  expect_format_error(file(R"({"__metadata__":["a"]})", ""), {"__metadata__ is an array, not an object"});
  expect_format_error(file(R"({"__metadata__":{},"__metadata__":{}})", ""), {"duplicate key \"__metadata__\""});
  const Checkpoint ok = load_exact(file(R"({"__metadata__":{}})", ""));
  EXPECT_TRUE(ok.metadata.empty());
}

// Every proper prefix of a valid file is rejected cleanly.
TEST(Safetensors, TruncationAtEveryByteThrowsFormatError) {
  const std::string bytes = save_safetensors(sample_checkpoint());
  ASSERT_NO_THROW(load_exact(bytes));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(load_exact(bytes.substr(0, n)), FormatError) << "prefix of " << n << " bytes";
  }
}

// Corrupted files either load (the damage hit tensor data or left valid
// JSON) or throw FormatError: never crash, never throw anything else.
TEST(Safetensors, RandomByteFlipsLoadOrThrowFormatError) {
  const std::string original = save_safetensors(sample_checkpoint());
  const std::size_t header_end = 8 + static_cast<std::size_t>(static_cast<unsigned char>(original[0])) +
                                 256 * static_cast<std::size_t>(static_cast<unsigned char>(original[1]));
  Rng rng(12345);
  int loaded = 0, rejected = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string bytes = original;
    const int flips = 1 + static_cast<int>(rng.next_u64() % 3);
    for (int k = 0; k < flips; ++k) {
      // Mostly in the header, where the parser is; sometimes anywhere.
      const std::size_t span = rng.next_u64() % 4 == 0 ? bytes.size() : header_end;
      const std::size_t pos = rng.next_u64() % span;
      if (rng.next_u64() % 2) {
        bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << (rng.next_u64() % 8)));
      } else {
        bytes[pos] = "{}[]\",:0123456789- e\\\xFF"[rng.next_u64() % 23];
      }
    }
    try {
      const Checkpoint c = load_exact(bytes);
      for (const auto& [name, t] : c.tensors) {
        const auto dims = matrix_dims(t.shape);
        EXPECT_EQ(dims.first, t.data.rows()) << name;
        EXPECT_EQ(dims.second, t.data.cols()) << name;
      }
      ++loaded;
    } catch (const FormatError&) {
      ++rejected;
    }
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(rejected, 0);
}

// --- files --------------------------------------------------------------------

std::string temp_path(const char* name) { return ::testing::TempDir() + "metalab_io_" + name; }

bool exists(const std::string& path) { return std::ifstream(path).good(); }

TEST(Safetensors, SavesAndLoadsFilesThroughATemporaryFile) {
  const std::string path = temp_path("roundtrip.safetensors");
  std::remove(path.c_str());
  save_safetensors_file(path, sample_checkpoint());
  EXPECT_FALSE(exists(path + ".tmp"));
  Checkpoint back = load_safetensors_file(path);
  EXPECT_EQ(back.source, path);
  EXPECT_EQ(save_safetensors(back), save_safetensors(sample_checkpoint()));

  // Overwriting replaces the file as a whole.
  Checkpoint small;
  small.add("x", matrix(1, 1, {9}));
  save_safetensors_file(path, small);
  back = load_safetensors_file(path);
  EXPECT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(get_tensor(back, "x").data(0, 0), 9.0f);
  std::remove(path.c_str());
}

TEST(Safetensors, FileErrors) {
  EXPECT_THROW(load_safetensors_file(temp_path("does-not-exist.safetensors")), std::runtime_error);
  EXPECT_THROW(save_safetensors_file("/nonexistent-dir/x.safetensors", sample_checkpoint()), std::runtime_error);

  // A checkpoint that cannot be written leaves an existing file untouched.
  const std::string path = temp_path("keep.safetensors");
  save_safetensors_file(path, sample_checkpoint());
  Checkpoint bad;
  bad.tensors.emplace_back("x", TensorEntry{{2, 2}, Matrix(1, 1), "F32"});
  EXPECT_THROW(save_safetensors_file(path, bad), std::invalid_argument);
  EXPECT_FALSE(exists(path + ".tmp"));
  EXPECT_EQ(load_safetensors_file(path).tensors.size(), sample_checkpoint().tensors.size());

  // A truncated file on disk names its path.
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "\x10\0\0"s;
  }
  try {
    load_safetensors_file(path);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "checkpoint " + path + ": file is 3 bytes, too short for the 8-byte header length");
  }
  std::remove(path.c_str());
}


// The checkpoints shipped with the page, written by earlier versions of this
// code: each loads, and saving what was loaded gives the file back byte for
// byte (the format, names, dtypes and metadata have not drifted).
TEST(Safetensors, ShippedCheckpointsRoundTripByteForByte) {
  const std::string dir = std::string(METALAB_SOURCE_DIR) + "/assets/checkpoints/";
  int checked = 0;
  for (const char* name : {"sinusoid-maml", "sinusoid-maml.pretrain", "promoter-maml", "promoter-maml.pretrain",
                           "genes-maml", "genes-maml.pretrain", "protonet-glyphs14", "matchingnet-glyphs14",
                           "mann-glyphs14", "lstm-glyphs14", "feedforward-glyphs14"}) {
    const std::string path = dir + name + ".safetensors";
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in.good()) << path;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Checkpoint c = load_safetensors(bytes, path);
    EXPECT_FALSE(c.metadata.empty()) << path;
    EXPECT_TRUE(save_safetensors(c) == bytes) << path << " does not round-trip";
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

}  // namespace
}  // namespace metalab
