// Test fixtures: PNG files written at test time with stb_image_write
// (libstb-dev), so no binary image has to live in the tree. Header-only; each
// test file that includes it gets its own static copy of the encoder.
#pragma once

#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace metalab::test {

inline void append_bytes(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

// The bytes of a w x h PNG with `channels` channels whose byte at (y, x, c) is f(y, x, c).
template <typename F>
std::string png(int w, int h, int channels, F f) {
  std::vector<unsigned char> px(static_cast<std::size_t>(w * h * channels));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) px[static_cast<std::size_t>((y * w + x) * channels + c)] = f(y, x, c);
  std::string out;
  stbi_write_png_to_func(append_bytes, &out, w, h, channels, px.data(), w * channels);
  return out;
}

inline std::string gray(int w, int h, unsigned char v) {
  return png(w, h, 1, [v](int, int, int) { return v; });
}

}  // namespace metalab::test
