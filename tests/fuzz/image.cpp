// One PNG or JPEG file (core/io/images.h): decode, resize, rotate.
// Contract: a decoded image is within kImageMaxPixels, holds height x width x
// channels values in [0, 1] (gray or RGB, or what was asked for); resizing
// gives the asked size, values in [0, 1], and the identity at the same size;
// four quarter turns give the image back; every failure is a DataError
// naming the file.
#include "core/io/images.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void check_decoded(const metalab::DecodedImage& img, int channels) {
  FUZZ_CHECK(img.height >= 1 && img.width >= 1, img.height << "x" << img.width);
  FUZZ_CHECK(static_cast<long long>(img.height) * img.width <= metalab::kImageMaxPixels, "past the cap");
  FUZZ_CHECK(channels == 0 ? (img.channels == 1 || img.channels == 3) : img.channels == channels,
             img.channels << " channels, asked for " << channels);
  FUZZ_CHECK(img.pixels.size() == static_cast<std::size_t>(img.height) * static_cast<std::size_t>(img.width) *
                                      static_cast<std::size_t>(img.channels),
             img.pixels.size() << " values");
  for (float v : img.pixels) FUZZ_CHECK(v >= 0.0f && v <= 1.0f, "pixel " << v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metalab;
  const std::string_view bytes = fuzz::as_view(data, size);
  constexpr const char* kName = "fuzz.img";
  DecodedImage img;
  try {
    img = decode_image(bytes, kName, 0);
  } catch (const DataError& e) {
    fuzz::expect_names(e, kName);
    return 0;
  }
  check_decoded(img, 0);
  for (const int c : {1, 3}) {
    const DecodedImage other = decode_image(bytes, kName, c);  // it decoded once: it decodes again
    check_decoded(other, c);
    FUZZ_CHECK(other.height == img.height && other.width == img.width, "another size with " << c << " channels");
  }

  const std::uint64_t h = fuzz::hash(bytes);
  const int oh = 1 + static_cast<int>(h % 40), ow = 1 + static_cast<int>((h >> 8) % 40);
  const ResizeMethod method = static_cast<ResizeMethod>((h >> 16) % 3);
  const Matrix r = resize_image(img, oh, ow, method);
  FUZZ_CHECK(r.rows() == 1 && r.cols() == static_cast<Eigen::Index>(oh) * ow * img.channels, "resized shape");
  FUZZ_CHECK(r.allFinite() && r.minCoeff() >= 0.0f && r.maxCoeff() <= 1.0f, "resized values outside [0, 1]");
  if (static_cast<long long>(img.height) * img.width <= 256 * 256) {
    const Matrix same = resize_image(img, img.height, img.width, method);
    for (Eigen::Index i = 0; i < same.cols(); ++i)
      FUZZ_CHECK(same(0, i) == img.pixels[static_cast<std::size_t>(i)], "resizing to the same size changed value " << i);
  }
  const Matrix square = resize_image(img, oh, oh, method);
  const Matrix turned = rotate_image(rotate_image(square, oh, img.channels, 1), oh, img.channels, 3);
  FUZZ_CHECK(turned == square, "four quarter turns changed the image");
  return 0;
}
