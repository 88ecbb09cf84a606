// IDX files (core/io/idx.h) and the labelled images made from them
// (dataset_from_idx, core/tasks/episodes.h).
// Contract: a parsed array has 1-4 positive dimensions whose product is its
// data size (within kIdxMaxBytes) and writes back to the same bytes; images
// (3-D) and labels (1-D) make a dataset whose pixels are in [0, 1] and whose
// labels are in range; every failure is a FormatError (DataError for the
// dataset) naming the file.
#include "core/io/idx.h"
#include "core/tasks/episodes.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void check_array(const metalab::IdxArray& a, std::string_view bytes) {
  FUZZ_CHECK(!a.dims.empty() && a.dims.size() <= 4, a.dims.size() << " dimensions");
  std::uint64_t n = 1;
  for (auto d : a.dims) {
    FUZZ_CHECK(d >= 1, "dimension " << d);
    n *= static_cast<std::uint64_t>(d);
  }
  FUZZ_CHECK(n == a.data.size() && n <= metalab::kIdxMaxBytes, n << " elements, " << a.data.size() << " bytes");
  FUZZ_CHECK(a.count() * a.item_size() == static_cast<std::int64_t>(n), "count x item size");
  FUZZ_CHECK(metalab::write_idx(a) == bytes, "does not write back to the same bytes");
}

void check_dataset(const metalab::IdxArray& images, const metalab::IdxArray& labels) {
  const metalab::LabeledDataset d = metalab::dataset_from_idx(images, labels);
  FUZZ_CHECK(d.num_examples() == images.count() && d.feature_dim() == images.item_size(), "shape");
  FUZZ_CHECK(d.x.minCoeff() >= 0.0f && d.x.maxCoeff() <= 1.0f, "pixels outside [0, 1]");
  for (int y : d.y) FUZZ_CHECK(y >= 0 && y < d.num_classes(), "label " << y);
  FUZZ_CHECK(static_cast<long>(d.image_height) * d.image_width * d.image_channels == d.feature_dim(), "geometry");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  const std::string_view bytes = fuzz::as_view(data, size);
  constexpr const char* kSource = "fuzz.idx";
  IdxArray a;
  try {
    a = parse_idx(bytes, kSource);
  } catch (const FormatError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  check_array(a, bytes);
  // The typed readers agree with the generic one.
  for (const bool images : {true, false}) {
    try {
      const IdxArray t = images ? parse_idx_images(bytes, kSource) : parse_idx_labels(bytes, kSource);
      FUZZ_CHECK(t.dims == a.dims && t.data == a.data, "typed reader differs");
      FUZZ_CHECK(t.dims.size() == (images ? 3u : 1u), t.dims.size() << " dimensions");
    } catch (const FormatError& e) {
      fuzz::expect_names(e, kSource);
    }
  }
  // Pair the array with a partner made here: images get labels (each image's
  // first pixel), labels get 1 x 1 images.
  IdxArray partner;
  try {
    if (a.dims.size() == 3 || a.dims.size() == 4) {
      partner.source = "labels";
      partner.dims = {a.count()};
      for (std::int64_t i = 0; i < a.count(); ++i) partner.data.push_back(a.data[static_cast<std::size_t>(i * a.item_size())]);
      check_dataset(a, partner);
    } else if (a.dims.size() == 1) {
      partner.source = "images";
      partner.dims = {a.count(), 1, 1};
      partner.data.assign(static_cast<std::size_t>(a.count()), 128);
      check_dataset(partner, a);
    }
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource, partner.source);
  }
  return 0;
}
