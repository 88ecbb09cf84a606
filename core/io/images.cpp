#include "core/io/images.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

// stb_image: PNG and JPEG only, from memory only, private to this file.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace metalab {

namespace {

const char* channel_word(int c) { return c == 1 ? "gray" : "RGB"; }

// File and folder names come from the input: the message shows them printable (csv.h).
[[noreturn]] void fail(const std::string& what) { throw DataError(printable_text(what)); }

// Per output index along one axis: (input index, weight) pairs summing to 1.
using Weights = std::vector<std::vector<std::pair<int, float>>>;

Weights axis_weights(int in, int out, ResizeMethod method) {
  Weights w(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  const bool area = method == ResizeMethod::Area || (method == ResizeMethod::Auto && in > out);
  for (int o = 0; o < out; ++o) {
    auto& list = w[static_cast<std::size_t>(o)];
    if (in == out) {
      list.emplace_back(o, 1.0f);
    } else if (area) {  // average over the input span [o * scale, (o + 1) * scale)
      const double lo = o * scale, hi = (o + 1) * scale;
      for (int i = static_cast<int>(std::floor(lo)); i < in && i < hi; ++i) {
        const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
        if (overlap > 1e-12) list.emplace_back(i, static_cast<float>(overlap / scale));
      }
    } else {  // bilinear, pixel centres aligned (align_corners = false)
      double src = (o + 0.5) * scale - 0.5;
      src = std::clamp(src, 0.0, static_cast<double>(in - 1));
      const int i0 = static_cast<int>(std::floor(src));
      const int i1 = std::min(i0 + 1, in - 1);
      const float t = static_cast<float>(src - i0);
      list.emplace_back(i0, 1.0f - t);
      if (i1 != i0 && t > 0) list.emplace_back(i1, t);
    }
  }
  return w;
}

std::string normalise_path(std::string p) {
  std::replace(p.begin(), p.end(), '\\', '/');
  std::vector<std::string> parts;
  std::stringstream s(p);
  std::string part;
  while (std::getline(s, part, '/'))
    if (!part.empty() && part != ".") parts.push_back(part);
  std::string out;
  for (const auto& q : parts) out += (out.empty() ? "" : "/") + q;
  return out;
}

bool hidden_path(const std::string& p) {
  std::stringstream s(p);
  std::string part;
  while (std::getline(s, part, '/'))
    if (!part.empty() && part[0] == '.') return true;
  return false;
}

std::string parent_of(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? std::string() : p.substr(0, slash);
}

}  // namespace

void ImageLoadOptions::validate() const {
  if (height < 1 || width < 1 || height > 4096 || width > 4096)
    throw std::invalid_argument("images: height and width must be in [1, 4096]");
  if (channels != 0 && channels != 1 && channels != 3)
    throw std::invalid_argument("images: channels must be 0 (as the files are), 1 (gray) or 3 (RGB)");
  if (rotations && height != width)
    throw std::invalid_argument("images: rotation augmentation needs square images (height == width)");
}

DecodedImage decode_image(std::string_view bytes, const std::string& name, int channels) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw std::invalid_argument("decode_image: channels must be 0, 1 or 3");
  if (bytes.empty()) fail(name + ": empty file, not an image");
  if (bytes.size() > 0x7FFFFFFF) fail(name + ": file too large");
  const auto* buf = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(buf, len, &w, &h, &comp))
    fail(name + ": not a PNG or JPEG image (" + std::string(stbi_failure_reason()) + ")");
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  const long long pixels = static_cast<long long>(w) * h;
  if (w <= 0 || h <= 0) fail(name + ": image size " + size + " is not supported");
  if (pixels > kImageMaxPixels)
    fail(name + ": image size " + size + " has more than the " + std::to_string(kImageMaxPixels) +
                    " pixels an image may have");
  const bool png = bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8);
  const long long most = static_cast<long long>(bytes.size()) * (png ? kPngMaxPixelsPerByte : kJpegMaxPixelsPerByte);
  if (pixels > most)
    fail(name + ": the header claims " + size + " pixels, more than a " + (png ? "PNG" : "JPEG") + " of " +
                    std::to_string(bytes.size()) + " bytes can hold (truncated or corrupted)");
  const int want = channels != 0 ? channels : (comp <= 2 ? 1 : 3);
  int n = 0;
  stbi_uc* data = stbi_load_from_memory(buf, len, &w, &h, &n, want);
  if (!data) fail(name + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")");
  DecodedImage img;
  img.height = h;
  img.width = w;
  img.channels = want;
  const std::size_t count = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * static_cast<std::size_t>(want);
  img.pixels.resize(count);
  for (std::size_t i = 0; i < count; ++i) img.pixels[i] = static_cast<float>(data[i]) / 255.0f;
  stbi_image_free(data);
  return img;
}

Matrix resize_image(const DecodedImage& img, int height, int width, ResizeMethod method) {
  if (height < 1 || width < 1) throw std::invalid_argument("resize_image: size must be positive");
  const int c = img.channels;
  const Weights wy = axis_weights(img.height, height, method), wx = axis_weights(img.width, width, method);
  Matrix out = Matrix::Zero(1, static_cast<Eigen::Index>(height) * width * c);
  for (int oy = 0; oy < height; ++oy)
    for (int ox = 0; ox < width; ++ox)
      for (const auto& [iy, fy] : wy[static_cast<std::size_t>(oy)])
        for (const auto& [ix, fx] : wx[static_cast<std::size_t>(ox)]) {
          const float f = fy * fx;
          const std::size_t src = (static_cast<std::size_t>(iy) * static_cast<std::size_t>(img.width) +
                                   static_cast<std::size_t>(ix)) * static_cast<std::size_t>(c);
          for (int k = 0; k < c; ++k)
            out(0, (static_cast<Eigen::Index>(oy) * width + ox) * c + k) += f * img.pixels[src + static_cast<std::size_t>(k)];
        }
  return out.cwiseMax(0.0f).cwiseMin(1.0f);
}

Matrix rotate_image(const Matrix& row, int s, int c, int quarter_turns) {
  if (row.size() != static_cast<Eigen::Index>(s) * s * c)
    throw std::invalid_argument("rotate_image: row is not a " + std::to_string(s) + "x" + std::to_string(s) + "x" +
                                std::to_string(c) + " image");
  const int q = ((quarter_turns % 4) + 4) % 4;
  Matrix cur = row;
  for (int t = 0; t < q; ++t) {
    Matrix next(1, row.size());
    // Clockwise: out(y, x) = in(s - 1 - x, y).
    for (int y = 0; y < s; ++y)
      for (int x = 0; x < s; ++x)
        for (int k = 0; k < c; ++k)
          next(0, (static_cast<Eigen::Index>(y) * s + x) * c + k) = cur(0, (static_cast<Eigen::Index>(s - 1 - x) * s + y) * c + k);
    cur = std::move(next);
  }
  return cur;
}

ImageSet load_images_from_memory(const std::vector<ImageFile>& files, const ImageLoadOptions& options,
                                 const std::string& source) {
  options.validate();
  // Class folder -> its files (sorted by path), hidden entries dropped.
  std::map<std::string, std::vector<std::pair<std::string, const std::string*>>> classes;
  for (const ImageFile& f : files) {
    const std::string path = normalise_path(f.path);
    if (path.empty()) fail(source + ": an image file has an empty path");
    if (hidden_path(path)) continue;
    const std::string cls = parent_of(path);
    if (cls.empty())
      fail(source + ": '" + path + "' is not inside a class folder (expected <class>/<image> or <group>/<class>/<image>)");
    classes[cls].emplace_back(path, &f.bytes);
  }
  if (classes.empty()) fail(source + ": no images (expected one folder of images per class)");
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    auto next = std::next(it);
    if (next != classes.end() && next->first.compare(0, it->first.size() + 1, it->first + "/") == 0)
      fail(source + ": folder '" + it->first + "' holds both images and subfolders ('" + next->first +
                      "'); a class folder must hold only images");
    std::sort(it->second.begin(), it->second.end());
  }

  ImageSet set;
  set.source = source;
  set.height = options.height;
  set.width = options.width;
  const int rot = options.rotations ? 4 : 1;
  std::size_t total = 0;
  for (const auto& [cls, list] : classes) total += list.size();
  std::vector<Matrix> rows;
  rows.reserve(total);
  std::string first_file;
  int cls_index = 0;
  for (const auto& [cls, list] : classes) {
    for (int r = 0; r < rot; ++r) {
      set.class_names.push_back(r == 0 ? cls : cls + "@" + std::to_string(90 * r));
      set.class_groups.push_back(parent_of(cls));
      set.class_base.push_back(cls_index * rot);
    }
    for (const auto& [path, bytes] : list) {
      const DecodedImage img = decode_image(*bytes, source + ": " + path, options.channels);
      if (set.channels == 0) {
        set.channels = img.channels;
        first_file = path;
      } else if (img.channels != set.channels) {
        fail(source + ": images have different channel counts: '" + first_file + "' is " +
                        channel_word(set.channels) + ", '" + path + "' is " + channel_word(img.channels) +
                        " (set channels to 1 or 3 to convert them all)");
      }
      Matrix row = resize_image(img, options.height, options.width, options.resize);
      if (options.invert) row = (1.0f - row.array()).matrix();
      for (int r = 0; r < rot; ++r) {
        rows.push_back(r == 0 ? row : rotate_image(row, options.height, set.channels, r));
        set.labels.push_back(cls_index * rot + r);
        set.files.push_back(path);
      }
    }
    ++cls_index;
  }
  set.images.resize(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(options.height) * options.width * set.channels);
  for (std::size_t i = 0; i < rows.size(); ++i) set.images.row(static_cast<Eigen::Index>(i)) = rows[i];
  return set;
}

std::vector<ImageFile> read_image_folder(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail(root + ": not a folder (or cannot be opened)");
  std::vector<ImageFile> out;
  // Depth-first, sorted, hidden entries skipped.
  std::vector<std::pair<fs::path, std::string>> stack{{fs::path(root), std::string()}};
  while (!stack.empty()) {
    auto [dir, rel] = stack.back();
    stack.pop_back();
    std::vector<fs::directory_entry> entries;
    fs::directory_iterator it(dir, ec), end;
    if (ec) fail(dir.string() + ": cannot list folder (" + ec.message() + ")");
    for (; it != end; it.increment(ec)) {
      if (ec) fail(dir.string() + ": cannot list folder (" + ec.message() + ")");
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') continue;
      entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(),
              [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path().filename() < b.path().filename(); });
    std::vector<fs::directory_entry> files, dirs;
    for (const auto& e : entries) (e.is_directory(ec) ? dirs : files).push_back(e);
    const std::string shown = rel.empty() ? root : root + "/" + rel;
    if (files.empty() && dirs.empty())
      fail(rel.empty() ? root + ": the folder is empty (expected one folder of images per class)"
                                  : shown + ": empty class folder");
    if (rel.empty() && !files.empty())
      fail(root + ": holds files directly ('" + files[0].path().filename().string() +
                      "'); put the images in one folder per class");
    if (!files.empty() && !dirs.empty())
      fail(shown + ": holds both images and subfolders; a class folder must hold only images");
    for (const auto& f : files) {
      std::ifstream in(f.path(), std::ios::binary);
      std::ostringstream bytes;
      if (!in || !(bytes << in.rdbuf())) {
        // An empty file reads as a failure too; keep it and let decoding name it.
        if (!in.is_open()) fail(f.path().string() + ": cannot read file");
      }
      out.push_back({rel + "/" + f.path().filename().string(), bytes.str()});
    }
    for (auto d = dirs.rbegin(); d != dirs.rend(); ++d)
      stack.emplace_back(d->path(), rel.empty() ? d->path().filename().string() : rel + "/" + d->path().filename().string());
  }
  return out;
}

ImageSet load_image_folder(const std::string& root, const ImageLoadOptions& options) {
  options.validate();
  return load_images_from_memory(read_image_folder(root), options, root);
}

}  // namespace metalab
