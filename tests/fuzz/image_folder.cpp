// A folder of images (load_images_from_memory, core/io/images.h), as the
// page and `metalab train --images` hand it over: (path, bytes) pairs. The
// input holds several files (fuzz_support.h: split_files); the options (size,
// channels, inversion, rotations, resizing) come from the input's hash.
// Contract: one row per non-hidden file, height x width x channels values in
// [0, 1], labels in range, every class with its name, group and base, and
// at least one image; every failure is a DataError naming the upload.
#include <set>

#include "core/io/images.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  const std::string_view input = fuzz::as_view(data, size);
  std::vector<ImageFile> files;
  for (fuzz::NamedBytes& f : fuzz::split_files(input)) files.push_back({std::move(f.name), std::move(f.bytes)});

  const std::uint64_t h = fuzz::hash(input);
  ImageLoadOptions opt;
  opt.height = 1 + static_cast<int>(h % 20);
  opt.rotations = (h >> 8) % 4 == 0;
  opt.width = opt.rotations ? opt.height : 1 + static_cast<int>((h >> 12) % 20);
  opt.channels = static_cast<int>((h >> 16) % 3) == 2 ? 3 : static_cast<int>((h >> 16) % 3);
  opt.invert = (h >> 20) % 2 == 1;
  opt.resize = static_cast<ResizeMethod>((h >> 24) % 3);
  constexpr const char* kSource = "fuzz images";

  ImageSet set;
  try {
    set = load_images_from_memory(files, opt, kSource);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kSource);
    return 0;
  }
  const int rot = opt.rotations ? 4 : 1;
  const Eigen::Index n = set.images.rows();
  FUZZ_CHECK(n >= 1 && n % rot == 0 && n <= static_cast<Eigen::Index>(files.size()) * rot, n << " images");
  FUZZ_CHECK(set.labels.size() == static_cast<std::size_t>(n) && set.files.size() == static_cast<std::size_t>(n),
             "one label and file per image");
  FUZZ_CHECK(set.channels == (opt.channels ? opt.channels : set.channels) && (set.channels == 1 || set.channels == 3),
             set.channels << " channels");
  FUZZ_CHECK(set.height == opt.height && set.width == opt.width, "size");
  FUZZ_CHECK(set.images.cols() == static_cast<Eigen::Index>(opt.height) * opt.width * set.channels, "row width");
  FUZZ_CHECK(set.images.allFinite() && set.images.minCoeff() >= 0.0f && set.images.maxCoeff() <= 1.0f,
             "values outside [0, 1]");
  const std::size_t k = set.class_names.size();
  FUZZ_CHECK(k >= 1 && k % static_cast<std::size_t>(rot) == 0 && set.class_groups.size() == k && set.class_base.size() == k,
             k << " classes");
  std::set<int> used;
  for (int y : set.labels) {
    FUZZ_CHECK(y >= 0 && static_cast<std::size_t>(y) < k, "label " << y);
    used.insert(y);
  }
  FUZZ_CHECK(used.size() == k, "a class without images");
  for (int b : set.class_base) FUZZ_CHECK(b >= 0 && static_cast<std::size_t>(b) < k && b % rot == 0, "base " << b);
  return 0;
}
