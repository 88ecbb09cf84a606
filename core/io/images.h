// Image folders as few-shot classification data: one folder per class, the
// layout of Omniglot and of most image data a user brings:
//   ROOT/<class>/*.png                       (classes directly under the root)
//   ROOT/<group>/<class>/*.png               (Omniglot: alphabet/character/drawing.png)
//   ROOT/<group>/<subgroup>/<class>/*.png    (any depth: a folder holding images is a class,
//                                            the folders above it are its group)
// PNG and JPEG are decoded with stb_image, grayscale or RGB, resized to a
// fixed size (28 x 28 by default: area averaging when shrinking, bilinear when
// enlarging), optionally inverted (Omniglot draws dark strokes on white), and
// optionally augmented with rotations, each 90-degree rotation a new class
// (Santoro et al. 2016; Vinyals et al. 2016).
//
// Dependency note: stb_image (Debian's libstb-dev, public domain, one header)
// is the single documented exception to "the core depends on Eigen and the
// standard library only": the browser needs to decode the images a user
// uploads too, and a header-only decoder compiles to WebAssembly unchanged.
// Its implementation is compiled in images.cpp alone, with static linkage.
//
// Two entry points, so the page needs no file system:
//   load_images_from_memory(files, options)   files = (relative path, bytes): the page
//                                             hands over uploaded files this way;
//   load_image_folder(root, options)          native: walks ROOT with std::filesystem
//                                             (read_image_folder), then the above.
// Problems throw DataError (core/io/csv.h) naming the file or folder: an
// unreadable or non-image file, an empty class folder, an empty root, a folder
// holding both images and subfolders, images whose channel counts disagree.
// Files and folders whose names start with '.' (.DS_Store, .git) are ignored.
//
// Resource bounds, checked on the header before anything is decoded: an
// image may have at most kImageMaxPixels pixels, and no more than its bytes
// can hold (kPngMaxPixelsPerByte, kJpegMaxPixelsPerByte: the densest a valid
// file can be), so a tiny file claiming a huge image is refused instead of
// allocated. Decoding one image then holds its 8-bit pixels and their float
// copy, 5 bytes per pixel and channel (at most 240 MiB, RGB at the cap),
// plus stb_image's inflate buffer for a PNG; resized, it is dropped before
// the next file is decoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/matrix.h"
#include "core/io/csv.h"  // DataError

namespace metalab {

// 4096 x 4096, more than a 12-megapixel phone photo.
constexpr long long kImageMaxPixels = 1LL << 24;
// A PNG's pixels are deflate-compressed, at best 1032:1, rows of at least
// 1 bit a pixel: a file of n bytes holds at most 8 x 1032 x n pixels.
constexpr long long kPngMaxPixelsPerByte = 8 * 1032;
// A JPEG codes each 8 x 8 block of its full-resolution component with at
// least one bit (its DC coefficient): at most 512 pixels a byte.
constexpr long long kJpegMaxPixelsPerByte = 512;

// An image file's path relative to the root ("group/class/name.png") and its bytes.
struct ImageFile {
  std::string path;
  std::string bytes;
};

enum class ResizeMethod { Auto, Area, Bilinear };  // Auto: area to shrink, bilinear to enlarge

struct ImageLoadOptions {
  int height = 28, width = 28;
  int channels = 0;       // 1 (gray), 3 (RGB), or 0: as the files are (then all must agree)
  bool invert = false;    // value -> 1 - value
  bool rotations = false;  // add the 90/180/270-degree rotations of every class as new classes
  ResizeMethod resize = ResizeMethod::Auto;
  void validate() const;  // std::invalid_argument naming the field
};

// Decoded images as a labelled set, pixels in [0, 1], pixel-major rows
// (element (y * width + x) * channels + c), classes sorted by path.
struct ImageSet {
  std::string source;
  Matrix images;                          // n x height*width*channels
  std::vector<int> labels;                // class of each image
  std::vector<std::string> class_names;   // class folder path, e.g. "Latin/character01"; rotations add "@90"...
  std::vector<std::string> class_groups;  // folders above the class ("" if none), e.g. "Latin"
  std::vector<int> class_base;            // for rotated copies: the unrotated class (itself otherwise)
  std::vector<std::string> files;         // path of each image
  int height = 0, width = 0, channels = 0;
};

// One decoded image before resizing: row-major (y, x, c) bytes / 255.
struct DecodedImage {
  int height = 0, width = 0, channels = 0;
  std::vector<float> pixels;
};
// Decodes PNG or JPEG bytes. channels: 0 keeps the file's (gray+alpha -> gray,
// RGBA -> RGB), 1 or 3 converts. DataError naming `name` if it is not an image
// or its header claims more pixels than the bounds above allow.
DecodedImage decode_image(std::string_view bytes, const std::string& name, int channels = 0);
// Resizes to height x width (same channels): 1 x height*width*channels.
Matrix resize_image(const DecodedImage& image, int height, int width, ResizeMethod method = ResizeMethod::Auto);
// Rotates a square image held as a 1 x s*s*c row by quarter_turns * 90 degrees clockwise.
Matrix rotate_image(const Matrix& row, int size, int channels, int quarter_turns);

ImageSet load_images_from_memory(const std::vector<ImageFile>& files, const ImageLoadOptions& options,
                                 const std::string& source = "<uploaded images>");

// Native: every non-hidden file under root with its relative path ('/'
// separators), in sorted order. DataError for a missing or empty root, files
// directly in the root, an empty class folder, a folder mixing images and
// subfolders, or a file that cannot be read.
std::vector<ImageFile> read_image_folder(const std::string& root);
ImageSet load_image_folder(const std::string& root, const ImageLoadOptions& options);

}  // namespace metalab
