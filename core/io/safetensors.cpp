#include "core/io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include "core/io/strict_json.h"

namespace metalab {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;  // 100 MB
constexpr int kMaxHeaderDepth = 16;  // the format needs 3 levels
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 53;
constexpr const char* kMetadataKey = "__metadata__";

std::uint64_t read_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void write_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

float float_from_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::uint32_t bits_from_float(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// IEEE 754 binary16 -> binary32, exactly (every half is a float).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  const std::uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return float_from_bits(sign | 0x7F800000u | (mantissa << 13));  // inf, NaN
  return float_from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// binary64 -> binary32, rounding to nearest with IEEE overflow to infinity (a
// plain cast of a double beyond the float range is undefined behaviour).
float double_to_float(double d) {
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  constexpr double kHalfway = 0x1.ffffffp+127;  // FLT_MAX + half an ulp; ties go to even, i.e. inf
  if (std::isfinite(d) && std::fabs(d) > kFloatMax) {
    const float limit = std::fabs(d) < kHalfway ? std::numeric_limits<float>::max()
                                                : std::numeric_limits<float>::infinity();
    return std::signbit(d) ? -limit : limit;
  }
  return static_cast<float>(d);
}

float decode_f32(const char* p) { return float_from_bits(static_cast<std::uint32_t>(read_le(p, 4))); }
float decode_f16(const char* p) { return half_to_float(static_cast<std::uint16_t>(read_le(p, 2))); }
float decode_bf16(const char* p) { return float_from_bits(static_cast<std::uint32_t>(read_le(p, 2)) << 16); }
float decode_f64(const char* p) {
  const std::uint64_t bits = read_le(p, 8);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return double_to_float(d);
}

struct Dtype {
  const char* name;
  std::uint64_t size;
  float (*decode)(const char*);
};
constexpr Dtype kReadable[] = {
    {"F32", 4, decode_f32}, {"F64", 8, decode_f64}, {"F16", 2, decode_f16}, {"BF16", 2, decode_bf16}};

// Element count and matrix dimensions of a shape, or an explanation of why
// there are none. Products are bounded by 2^53 (and the platform's index),
// counting only non-zero dimensions, so nothing here can overflow.
struct ShapeInfo {
  std::uint64_t elements = 1;
  Eigen::Index rows = 1, cols = 1;
  std::string error;
};

ShapeInfo analyse_shape(const std::vector<std::int64_t>& shape) {
  ShapeInfo info;
  std::uint64_t nonzero_product = 1, rest = 1;
  bool zero = false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const std::int64_t d = shape[i];
    if (d < 0) {
      info.error = "negative dimension " + std::to_string(d) + " in shape " + format_shape(shape);
      return info;
    }
    if (d == 0) {
      zero = true;
    } else if (nonzero_product > kMaxElements / static_cast<std::uint64_t>(d)) {
      info.error = "shape " + format_shape(shape) + " is too large";
      return info;
    } else {
      nonzero_product *= static_cast<std::uint64_t>(d);
    }
    if (i > 0 || shape.size() == 1) rest *= static_cast<std::uint64_t>(d);  // <= nonzero_product or 0
  }
  const std::uint64_t first = shape.size() >= 2 ? static_cast<std::uint64_t>(shape[0]) : 1;
  constexpr auto kMaxIndex = static_cast<std::uint64_t>(std::numeric_limits<Eigen::Index>::max());
  if (first > kMaxIndex || rest > kMaxIndex) {
    info.error = "shape " + format_shape(shape) + " is too large for this platform";
    return info;
  }
  info.elements = zero ? 0 : nonzero_product;
  info.rows = static_cast<Eigen::Index>(first);
  info.cols = static_cast<Eigen::Index>(rest);
  return info;
}

std::string list_names(const std::vector<std::string>& names, const char* none) {
  if (names.empty()) return none;
  std::string out = "it has ";
  const std::size_t shown = std::min<std::size_t>(names.size(), 20);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > shown) out += ", ... (" + std::to_string(names.size() - shown) + " more)";
  return out;
}

// Parses and validates one safetensors byte buffer; every error names the source.
class Loader {
 public:
  Loader(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {}

  Checkpoint load() {
    if (bytes_.size() < 8) {
      fail("file is " + std::to_string(bytes_.size()) + " bytes, too short for the 8-byte header length");
    }
    const std::uint64_t n = read_le(bytes_.data(), 8);
    if (n > kMaxHeaderBytes) {
      fail("header length " + std::to_string(n) + " is absurd (over 100 MB); not a safetensors file?");
    }
    if (n > bytes_.size() - 8) {
      fail("header length " + std::to_string(n) + " exceeds the " + std::to_string(bytes_.size() - 8) +
           " bytes after it (truncated file?)");
    }
    const std::string_view header = bytes_.substr(8, n);
    if (header.empty() || header[0] != '{') fail("header does not start with '{'");
    Json json;
    try {
      json = parse_json(header, kMaxHeaderDepth);
    } catch (const JsonError& e) {
      fail("header is not valid JSON (" + e.reason() + " at byte " + std::to_string(8 + e.offset()) +
           " of the file)");
    }
    if (!json.is_object()) fail("header is not a JSON object");
    buffer_ = bytes_.substr(8 + n);

    Checkpoint ckpt;
    ckpt.source = std::string(source_);
    std::vector<Span> spans;
    for (const auto& [name, entry] : json.items()) {
      if (name == kMetadataKey) {
        read_metadata(entry, ckpt.metadata);
        continue;
      }
      spans.push_back(read_entry(name, entry, ckpt.tensors.size()));
      ckpt.tensors.emplace_back(name, TensorEntry{});
    }
    check_coverage(spans, ckpt);
    for (const Span& s : spans) decode_tensor(s, ckpt.tensors[s.index].second);
    return ckpt;
  }

 private:
  struct Span {
    std::uint64_t begin, end;
    std::size_t index;
    const Dtype* dtype;
    std::vector<std::int64_t> shape;
    ShapeInfo info;
  };

  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError("checkpoint " + std::string(source_) + ": " + why);
  }

  void read_metadata(const Json& entry, std::map<std::string, std::string>& out) const {
    if (!entry.is_object()) fail("__metadata__ is " + json_type_name(entry) + ", not an object");
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_string()) {
        fail("__metadata__ value of '" + key + "' is " + json_type_name(value) + "; metadata values must be strings");
      }
      out.emplace(key, value.get<std::string>());
    }
  }

  const Json& field(const std::string& name, const Json& entry, const char* key, Json::value_t type) const {
    const auto it = entry.find(key);
    if (it == entry.end()) fail("tensor '" + name + "' has no \"" + key + "\"");
    if (it->type() != type) {
      fail("tensor '" + name + "': \"" + key + "\" is " + json_type_name(*it) + ", expected " +
           json_type_name(Json(type)));
    }
    return *it;
  }

  // An integer within +-2^53 (what a double holds exactly, as other readers
  // of the format may keep numbers); 1e3 or 4.0 count as integers.
  std::int64_t integer(const std::string& name, const Json& v, const char* what) const {
    constexpr std::uint64_t kMaxExact = std::uint64_t{1} << 53;
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > kMaxExact) fail("tensor '" + name + "': " + what + " " + v.dump() + " is too large");
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (v.is_number_integer()) {
      if (v.get<std::int64_t>() < -static_cast<std::int64_t>(kMaxExact))
        fail("tensor '" + name + "': " + what + " " + v.dump() + " is too large");
      return v.get<std::int64_t>();
    }
    if (!v.is_number_float() || v.get<double>() != std::floor(v.get<double>())) {
      fail("tensor '" + name + "': " + what + " " + v.dump() + " is not an integer");
    }
    const double d = v.get<double>();
    if (std::fabs(d) > static_cast<double>(kMaxExact)) fail("tensor '" + name + "': " + what + " " + v.dump() + " is too large");
    return static_cast<std::int64_t>(d);
  }

  Span read_entry(const std::string& name, const Json& entry, std::size_t index) const {
    if (!entry.is_object()) fail("tensor '" + name + "' is " + json_type_name(entry) + ", expected an object");
    Span s;
    s.index = index;
    const auto& dtype = field(name, entry, "dtype", Json::value_t::string).get_ref<const std::string&>();
    const Json& shape = field(name, entry, "shape", Json::value_t::array);
    const Json& offsets = field(name, entry, "data_offsets", Json::value_t::array);

    s.dtype = nullptr;
    for (const Dtype& d : kReadable) {
      if (dtype == d.name) s.dtype = &d;
    }
    if (!s.dtype) {
      fail("tensor '" + name + "' has unsupported dtype '" + dtype + "' (MetaLab reads F32, F64, F16, BF16)");
    }
    for (const Json& d : shape) s.shape.push_back(integer(name, d, "dimension"));
    s.info = analyse_shape(s.shape);
    if (!s.info.error.empty()) fail("tensor '" + name + "': " + s.info.error);

    if (offsets.size() != 2) fail("tensor '" + name + "': data_offsets must be [begin, end]");
    const std::int64_t begin = integer(name, offsets[0], "offset");
    const std::int64_t end = integer(name, offsets[1], "offset");
    if (begin < 0 || end < begin || static_cast<std::uint64_t>(end) > buffer_.size()) {
      fail("tensor '" + name + "': data_offsets [" + std::to_string(begin) + "," + std::to_string(end) +
           "] out of range for a data buffer of " + std::to_string(buffer_.size()) + " bytes");
    }
    s.begin = static_cast<std::uint64_t>(begin);
    s.end = static_cast<std::uint64_t>(end);
    const std::uint64_t span_bytes = s.end - s.begin;
    if (span_bytes % s.dtype->size != 0 || span_bytes / s.dtype->size != s.info.elements) {
      fail("tensor '" + name + "': shape " + format_shape(s.shape) + " of " + s.dtype->name + " needs " +
           std::to_string(s.info.elements) + " x " + std::to_string(s.dtype->size) +
           " bytes, but data_offsets span " + std::to_string(span_bytes));
    }
    return s;
  }

  // The spec: the tensors' byte ranges tile the whole buffer, no gap, no overlap.
  void check_coverage(const std::vector<Span>& spans, const Checkpoint& ckpt) const {
    std::vector<const Span*> order;
    for (const Span& s : spans) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const Span* a, const Span* b) {
      return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    std::uint64_t covered = 0;
    const Span* previous = nullptr;
    for (const Span* s : order) {
      const std::string& name = ckpt.tensors[s->index].first;
      if (s->begin < covered) {
        fail("tensors '" + ckpt.tensors[previous->index].first + "' and '" + name + "' overlap in the data buffer");
      }
      if (s->begin > covered) {
        fail("bytes " + std::to_string(covered) + " to " + std::to_string(s->begin) +
             " of the data buffer belong to no tensor (before '" + name + "')");
      }
      covered = s->end;
      previous = s;
    }
    if (covered != buffer_.size()) {
      fail(std::to_string(buffer_.size() - covered) + " trailing bytes after the last tensor's data");
    }
  }

  void decode_tensor(const Span& s, TensorEntry& t) const {
    t.dtype = s.dtype->name;
    t.shape = s.shape;
    t.data.resize(s.info.rows, s.info.cols);
    const char* p = buffer_.data() + s.begin;
    float* out = t.data.data();
    for (std::uint64_t i = 0; i < s.info.elements; ++i) out[i] = s.dtype->decode(p + i * s.dtype->size);
  }

  std::string_view bytes_, source_, buffer_;
};

}  // namespace

std::pair<Eigen::Index, Eigen::Index> matrix_dims(const std::vector<std::int64_t>& shape) {
  const ShapeInfo info = analyse_shape(shape);
  if (!info.error.empty()) throw std::invalid_argument(info.error);
  return {info.rows, info.cols};
}

std::string format_shape(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

void Checkpoint::add(std::string name, Matrix m) {
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())};
  add(std::move(name), std::move(shape), std::move(m));
}

void Checkpoint::add(std::string name, std::vector<std::int64_t> shape, Matrix m) {
  if (find_tensor(*this, name)) throw std::invalid_argument("checkpoint: duplicate tensor name '" + name + "'");
  const auto dims = matrix_dims(shape);
  if (dims.first != m.rows() || dims.second != m.cols()) {
    throw std::invalid_argument("checkpoint: tensor '" + name + "' of shape " + format_shape(shape) + " cannot hold a " +
                                std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + " matrix");
  }
  tensors.emplace_back(std::move(name), TensorEntry{std::move(shape), std::move(m), "F32"});
}

std::string save_safetensors(const Checkpoint& ckpt) {
  Json header = Json::object();
  if (!ckpt.metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [key, value] : ckpt.metadata) meta[key] = value;
    header[kMetadataKey] = std::move(meta);
  }
  std::set<std::string_view> names;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : ckpt.tensors) {
    if (name == kMetadataKey) throw std::invalid_argument("checkpoint: a tensor cannot be named __metadata__");
    if (!names.insert(name).second) throw std::invalid_argument("checkpoint: duplicate tensor name '" + name + "'");
    const auto dims = matrix_dims(t.shape);
    if (dims.first != t.data.rows() || dims.second != t.data.cols()) {
      throw std::invalid_argument("checkpoint: tensor '" + name + "' has shape " + format_shape(t.shape) +
                                  " but a " + std::to_string(t.data.rows()) + "x" +
                                  std::to_string(t.data.cols()) + " matrix");
    }
    const std::uint64_t end = offset + 4 * static_cast<std::uint64_t>(t.data.size());
    header[name] = Json{{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error& e) {  // a name or metadata string that is not UTF-8
    throw std::invalid_argument(std::string("checkpoint: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned

  std::string out;
  out.reserve(8 + text.size() + offset);
  write_le(out, text.size(), 8);
  out += text;
  for (const auto& entry : ckpt.tensors) {
    const Matrix& m = entry.second.data;
    for (Eigen::Index i = 0; i < m.size(); ++i) write_le(out, bits_from_float(m.data()[i]), 4);
  }
  return out;
}

Checkpoint load_safetensors(std::string_view bytes, std::string_view source_name) {
  return Loader(bytes, source_name).load();
}

void save_safetensors_file(const std::string& path, const Checkpoint& ckpt) {
  const std::string bytes = save_safetensors(ckpt);  // fails before touching the disk
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot open '" + tmp + "' for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error("writing '" + tmp + "' failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

Checkpoint load_safetensors_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open checkpoint '" + path + "'");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) throw std::runtime_error("cannot read checkpoint '" + path + "'");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), size);
  if (in.gcount() != size) throw std::runtime_error("cannot read checkpoint '" + path + "'");
  return load_safetensors(bytes, path);
}

const TensorEntry* find_tensor(const Checkpoint& ckpt, std::string_view name) {
  for (const auto& [n, t] : ckpt.tensors) {
    if (n == name) return &t;
  }
  return nullptr;
}

const TensorEntry& get_tensor(const Checkpoint& ckpt, std::string_view name) {
  if (const TensorEntry* t = find_tensor(ckpt, name)) return *t;
  std::vector<std::string> names;
  for (const auto& entry : ckpt.tensors) names.push_back(entry.first);
  throw FormatError("checkpoint " + ckpt.source + ": no tensor '" + std::string(name) + "'; " +
                    list_names(names, "it has no tensors"));
}

const TensorEntry& expect_shape(const Checkpoint& ckpt, std::string_view name,
                                const std::vector<std::int64_t>& expected) {
  const TensorEntry& t = get_tensor(ckpt, name);
  if (t.shape != expected) {
    throw FormatError("checkpoint " + ckpt.source + ": tensor '" + std::string(name) + "' has shape " +
                      format_shape(t.shape) + ", model expects " + format_shape(expected));
  }
  return t;
}

const std::string& get_metadata(const Checkpoint& ckpt, std::string_view key) {
  const auto it = ckpt.metadata.find(std::string(key));
  if (it != ckpt.metadata.end()) return it->second;
  std::vector<std::string> keys;
  for (const auto& entry : ckpt.metadata) keys.push_back(entry.first);
  throw FormatError("checkpoint " + ckpt.source + ": no metadata key '" + std::string(key) + "'; " +
                    list_names(keys, "it has no metadata"));
}

std::string get_metadata_or(const Checkpoint& ckpt, std::string_view key, std::string fallback) {
  const auto it = ckpt.metadata.find(std::string(key));
  return it != ckpt.metadata.end() ? it->second : fallback;
}

}  // namespace metalab
