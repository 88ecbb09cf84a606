// Runs a fuzz target over files without fuzzing: the normal test suite (any
// compiler, no libFuzzer) replays the committed seeds and the inputs of fixed
// findings through the same contract checks (tests/fuzz/CMakeLists.txt).
//
//   metalab_fuzz_csv tests/fuzz/corpus/csv tests/fuzz/regressions/csv
//
// Each argument is a file or a folder (its files, recursively, in sorted
// order). A broken contract aborts (the test fails, naming the input on
// stderr just before); a folder that yields no file is an error, so a
// misplaced corpus cannot pass silently.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
    return 2;
  }
  std::size_t runs = 0;
  for (int a = 1; a < argc; ++a) {
    std::vector<fs::path> files;
    if (fs::is_directory(argv[a])) {
      for (const auto& e : fs::recursive_directory_iterator(argv[a]))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        std::fprintf(stderr, "%s: no files\n", argv[a]);
        return 1;
      }
    } else if (fs::is_regular_file(argv[a])) {
      files.push_back(argv[a]);
    } else {
      std::fprintf(stderr, "%s: no such file or folder\n", argv[a]);
      return 1;
    }
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      const std::string bytes = s.str();
      std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), bytes.size());
      // A copy in its own allocation, so that ASan sees reads past the end.
      std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(copy.data(), copy.size());
      ++runs;
    }
  }
  std::fprintf(stderr, "%zu inputs, every contract held\n", runs);
  return 0;
}
