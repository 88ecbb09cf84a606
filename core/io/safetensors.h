// Checkpoints: named tensors plus string metadata, stored in the safetensors
// format (https://github.com/huggingface/safetensors) so that files trained
// natively load in the browser and files written by PyTorch load here.
//
// The format: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON,
//   {"name": {"dtype": "F32", "shape": [r, c], "data_offsets": [begin, end]},
//    ..., "__metadata__": {"key": "string value", ...}}
// (possibly padded with trailing spaces), then the raw little-endian data
// buffer; offsets are relative to the buffer's start, and the tensors must
// cover the buffer exactly, without gaps or overlaps.
//
// MetaLab writes F32 and reads F32, F64, F16 and BF16 (converted to float).
// Every tensor is held as a row-major float Matrix, and its original shape is
// kept so that it is written back unchanged:
//   shape []         -> 1 x 1
//   shape [n]        -> 1 x n
//   shape [r, c]     -> r x c
//   shape [d0, ...]  -> d0 x (product of the rest), e.g. conv weights
//
// Loading never trusts the file: anything malformed (truncated, hostile,
// inconsistent) throws FormatError naming the source and the problem, before
// allocating more memory than the file's own size.
//
//   Checkpoint ckpt;
//   ckpt.add("layer1.weight", w);               // shape [rows, cols]
//   ckpt.metadata["learner"] = "maml";
//   save_safetensors_file("maml.safetensors", ckpt);
//   Checkpoint back = load_safetensors_file("maml.safetensors");
//   const Matrix& w1 = expect_shape(back, "layer1.weight", {40, 1}).data;
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/matrix.h"
#include "core/io/format_error.h"

namespace metalab {

struct TensorEntry {
  std::vector<std::int64_t> shape;  // as in the file (see the table above)
  Matrix data;                      // dimensions given by matrix_dims(shape)
  std::string dtype = "F32";        // dtype in the file it came from; saved as F32
};

struct Checkpoint {
  std::vector<std::pair<std::string, TensorEntry>> tensors;  // in header order
  std::map<std::string, std::string> metadata;                // "__metadata__"
  std::string source = "<in-memory>";  // names the checkpoint in error messages

  // Append a tensor; std::invalid_argument on a duplicate name or a shape
  // that does not fit the matrix (matrix_dims(shape) != its dimensions).
  void add(std::string name, Matrix m);  // shape [rows, cols]
  void add(std::string name, std::vector<std::int64_t> shape, Matrix m);
};

// The matrix a tensor of this shape is held in; std::invalid_argument for
// negative dimensions or sizes the platform cannot index.
std::pair<Eigen::Index, Eigen::Index> matrix_dims(const std::vector<std::int64_t>& shape);
// "[40,2]"
std::string format_shape(const std::vector<std::int64_t>& shape);

// The file's bytes. Tensors are written in order, as F32, the header padded
// with spaces so the data starts 8-byte aligned. std::invalid_argument if the
// checkpoint cannot be written (bad shape, duplicate or reserved name, a
// string that is not UTF-8).
std::string save_safetensors(const Checkpoint& ckpt);
// Parses and validates; source_name (a path, a URL...) goes into messages and
// into the result's `source`.
Checkpoint load_safetensors(std::string_view bytes, std::string_view source_name);

// Writes path + ".tmp", then renames it over path, so that a crash while
// writing never leaves a half-written checkpoint. std::runtime_error on I/O
// failure.
void save_safetensors_file(const std::string& path, const Checkpoint& ckpt);
Checkpoint load_safetensors_file(const std::string& path);

// Lookups for learners' load(). The errors (FormatError) say which checkpoint,
// what is missing or wrong, and what is there instead.
const TensorEntry* find_tensor(const Checkpoint& ckpt, std::string_view name);  // nullptr if absent
const TensorEntry& get_tensor(const Checkpoint& ckpt, std::string_view name);
// "checkpoint X: tensor 'layer1.weight' has shape [40,1], model expects [40,2]"
const TensorEntry& expect_shape(const Checkpoint& ckpt, std::string_view name,
                                const std::vector<std::int64_t>& expected);
const std::string& get_metadata(const Checkpoint& ckpt, std::string_view key);
std::string get_metadata_or(const Checkpoint& ckpt, std::string_view key, std::string fallback);

}  // namespace metalab
