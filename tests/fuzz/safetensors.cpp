// Checkpoints (load_safetensors, core/io/safetensors.h) and the learners
// rebuilt from them (load_learner, core/learners/registry.h): the bytes a
// CLI --checkpoint, a page upload or a PyTorch export hands over.
// Contract: a checkpoint that parses names its source, holds each tensor in
// the matrix its shape gives (matrix_dims), and written back as F32 reads
// back the same (names, shapes, metadata, values bit for bit where the file
// had F32); it then either loads as a learner, whose own checkpoint parses
// and loads again, or is refused with a FormatError naming the source. A
// file that does not parse is a FormatError naming the source. Every error
// is one printable line.
#include <cmath>
#include <cstring>

#include "core/io/safetensors.h"
#include "core/learners/learner.h"
#include "core/learners/registry.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace metalab;

bool same_value(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

void check_same(const Checkpoint& a, const Checkpoint& b) {
  FUZZ_CHECK(a.tensors.size() == b.tensors.size(), a.tensors.size() << " tensors, written back " << b.tensors.size());
  FUZZ_CHECK(a.metadata == b.metadata, "metadata changed when written back");
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& [name, t] = a.tensors[i];
    const auto& [name2, t2] = b.tensors[i];
    FUZZ_CHECK(name == name2 && t.shape == t2.shape, "tensor " << i << " '" << name << "' " << format_shape(t.shape)
                                                               << " written back as '" << name2 << "' "
                                                               << format_shape(t2.shape));
    FUZZ_CHECK(t.data.rows() == t2.data.rows() && t.data.cols() == t2.data.cols(), "tensor '" << name << "' matrix");
    for (Eigen::Index k = 0; k < t.data.size(); ++k)
      FUZZ_CHECK(same_value(t.data.data()[k], t2.data.data()[k]), "tensor '" << name << "' value " << k);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr const char* kSource = "fuzz.safetensors";
  Checkpoint ckpt;
  try {
    ckpt = load_safetensors(fuzz::as_view(data, size), kSource);
  } catch (const FormatError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  FUZZ_CHECK(ckpt.source == kSource, "source '" << ckpt.source << "'");
  std::size_t values = 0;
  for (const auto& [name, t] : ckpt.tensors) {
    const auto [rows, cols] = matrix_dims(t.shape);
    FUZZ_CHECK(t.data.rows() == rows && t.data.cols() == cols,
               "tensor '" << name << "' " << format_shape(t.shape) << " held as " << t.data.rows() << " x "
                          << t.data.cols());
    values += static_cast<std::size_t>(t.data.size());
  }
  // Nothing allocated beyond what the file holds: every value took at least 2 bytes (F16/BF16).
  FUZZ_CHECK(values * 2 <= size, values << " values from " << size << " bytes");
  check_same(ckpt, load_safetensors(save_safetensors(ckpt), "written"));

  std::unique_ptr<Learner> learner;
  try {
    learner = load_learner(ckpt);
  } catch (const FormatError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  FUZZ_CHECK(learner != nullptr, "load_learner returned null");
  // What a loaded learner saves loads again, as the same learner.
  Checkpoint again = load_safetensors(save_safetensors(learner->save()), "saved");
  std::unique_ptr<Learner> back = load_learner(again);
  check_same(again, back->save());
  return 0;
}
