#include "core/io/images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

#include "tests/support/png_fixture.h"

namespace metalab {
namespace {

using test::gray;
using test::png;

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

ImageLoadOptions size(int s) {
  ImageLoadOptions o;
  o.height = o.width = s;
  return o;
}

TEST(Images, ClassesFromFoldersSortedWithGroups) {
  const std::vector<ImageFile> files{{"latin/b/2.png", gray(4, 4, 255)},
                                     {"latin/b/1.png", gray(4, 4, 0)},
                                     {"greek/alpha/x.png", gray(4, 4, 51)},
                                     {"latin/a/z.png", gray(4, 4, 102)}};
  const ImageSet s = load_images_from_memory(files, size(2));
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"greek/alpha", "latin/a", "latin/b"}));
  EXPECT_EQ(s.class_groups, (std::vector<std::string>{"greek", "latin", "latin"}));
  EXPECT_EQ(s.labels, (std::vector<int>{0, 1, 2, 2}));
  EXPECT_EQ(s.files[2], "latin/b/1.png");  // sorted within a class
  ASSERT_EQ(s.images.rows(), 4);
  ASSERT_EQ(s.images.cols(), 4);
  EXPECT_EQ(s.channels, 1);
  EXPECT_NEAR(s.images(0, 0), 0.2f, 1e-6);
  EXPECT_NEAR(s.images(3, 3), 1.0f, 1e-6);
}

TEST(Images, AreaResizeAndInversion) {
  // 4 x 4: each 2 x 2 block has one value; shrinking to 2 x 2 averages blocks.
  const std::string img = png(4, 4, 1, [](int y, int x, int) { return static_cast<unsigned char>(((y / 2) * 2 + x / 2) * 60); });
  ImageLoadOptions o = size(2);
  const ImageSet s = load_images_from_memory({{"c/i.png", img}}, o);
  EXPECT_NEAR(s.images(0, 0), 0.0f, 1e-6);
  EXPECT_NEAR(s.images(0, 1), 60 / 255.0f, 1e-6);
  EXPECT_NEAR(s.images(0, 2), 120 / 255.0f, 1e-6);
  EXPECT_NEAR(s.images(0, 3), 180 / 255.0f, 1e-6);
  o.invert = true;
  EXPECT_NEAR(load_images_from_memory({{"c/i.png", img}}, o).images(0, 3), 1 - 180 / 255.0f, 1e-6);
  // Odd ratios (5 -> 2) still average to the constant of a constant image.
  const ImageSet c = load_images_from_memory({{"c/i.png", gray(5, 5, 200)}}, o);
  EXPECT_NEAR(c.images.maxCoeff(), 1 - 200 / 255.0f, 1e-5);
  EXPECT_NEAR(c.images.minCoeff(), 1 - 200 / 255.0f, 1e-5);
}

TEST(Images, BilinearEnlargeKeepsCornersAndRange) {
  DecodedImage d{2, 2, 1, {0.0f, 1.0f, 1.0f, 0.0f}};
  const Matrix m = resize_image(d, 4, 4);
  EXPECT_NEAR(m(0, 0), 0.0f, 1e-6);
  EXPECT_NEAR(m(0, 3), 1.0f, 1e-6);
  EXPECT_NEAR(m(0, 1), 0.25f, 1e-6);
  EXPECT_GE(m.minCoeff(), 0.0f);
  EXPECT_LE(m.maxCoeff(), 1.0f);
}

TEST(Images, RotationAugmentationMakesNewClasses) {
  // A single bright pixel at the top-left corner.
  const std::string img = png(3, 3, 1, [](int y, int x, int) { return static_cast<unsigned char>(y == 0 && x == 0 ? 255 : 0); });
  ImageLoadOptions o = size(3);
  o.rotations = true;
  const ImageSet s = load_images_from_memory({{"a/1.png", img}, {"b/1.png", img}}, o);
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"a", "a@90", "a@180", "a@270", "b", "b@90", "b@180", "b@270"}));
  EXPECT_EQ(s.class_base, (std::vector<int>{0, 0, 0, 0, 4, 4, 4, 4}));
  EXPECT_EQ(s.labels, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Clockwise: top-left -> top-right -> bottom-right -> bottom-left.
  EXPECT_FLOAT_EQ(s.images(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(s.images(1, 2), 1.0f);
  EXPECT_FLOAT_EQ(s.images(2, 8), 1.0f);
  EXPECT_FLOAT_EQ(s.images(3, 6), 1.0f);
  ImageLoadOptions bad = o;
  bad.width = 4;
  EXPECT_THROW(load_images_from_memory({{"a/1.png", img}}, bad), std::invalid_argument);
}

// PNG chunks by hand, for headers that claim what their data does not hold.
std::string be32(std::uint32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
  return s;
}
std::string png_chunk(const std::string& type, const std::string& body) {
  const std::string tb = type + body;
  return be32(static_cast<std::uint32_t>(body.size())) + tb +
         be32(static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(tb.data()), static_cast<uInt>(tb.size()))));
}
std::string png_file(std::uint32_t w, std::uint32_t h, int depth, int color_type, const std::string& idat) {
  const std::string ihdr = be32(w) + be32(h) + static_cast<char>(depth) + static_cast<char>(color_type) + std::string(3, '\0');
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + (idat.empty() ? "" : png_chunk("IDAT", idat)) +
         png_chunk("IEND", "");
}
// The densest PNG there is: 1-bit gray zeros, deflated at zlib's best.
std::string densest_png(std::uint32_t w, std::uint32_t h) {
  const std::string raw(static_cast<std::size_t>(h) * (1 + (w + 7) / 8), '\0');
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string z(n, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(&z[0]), &n, reinterpret_cast<const Bytef*>(raw.data()),
                      static_cast<uLong>(raw.size()), 9), Z_OK);
  z.resize(n);
  return png_file(w, h, 1, 0, z);
}

TEST(ImageBounds, HeadersClaimingMoreThanTheCapOrTheirBytesAreRefusedBeforeDecoding) {
  static_assert(kImageMaxPixels == 1 << 24, "the documented cap: 4096 x 4096");
  // One row past the cap, in a 45-byte file.
  EXPECT_NE(error_of([] { decode_image(png_file(4096, 4097, 8, 6, ""), "big.png"); })
                .find("big.png: image size 4096x4097 has more than the 16777216 pixels an image may have"),
            std::string::npos);
  // At the cap, but 45 bytes cannot hold 4096 x 4096 pixels (stb_image would allocate them first).
  EXPECT_NE(error_of([] { decode_image(png_file(4096, 4096, 8, 6, ""), "small.png"); })
                .find("small.png: the header claims 4096x4096 pixels, more than a PNG of 45 bytes can hold"),
            std::string::npos);
  // A JPEG frame header of 4096 x 4096 without a scan.
  const std::string sof = std::string("\xff\xd8\xff\xc0\x00\x0b\x08\x10\x00\x10\x00\x01\x01\x11\x00\xff\xd9", 17);
  EXPECT_NE(error_of([&] { decode_image(sof, "tiny.jpg"); })
                .find("tiny.jpg: the header claims 4096x4096 pixels, more than a JPEG of 17 bytes can hold"),
            std::string::npos);
  // The bound is the densest a valid file can be: zlib's best PNG of 2048 x 2048 (framing included)
  // is within 20% of the least size it allows, and decodes.
  const std::string dense = densest_png(2048, 2048);
  const long long least = 2048LL * 2048 / kPngMaxPixelsPerByte;  // 508 bytes
  EXPECT_GE(static_cast<long long>(dense.size()), least);
  EXPECT_LT(static_cast<long long>(dense.size()), least * 12 / 10) << dense.size();
  const DecodedImage d = decode_image(dense, "dense.png");
  EXPECT_EQ(d.width, 2048);
  EXPECT_EQ(d.pixels.size(), 2048u * 2048u);
  // A uniform JPEG (stb_image_write's baseline: a DC and an end-of-block code a block) is within 20x of its bound.
  const std::vector<unsigned char> px(512 * 512, 90);
  std::string jpg;
  ASSERT_TRUE(stbi_write_jpg_to_func(test::append_bytes, &jpg, 512, 512, 1, px.data(), 10));
  EXPECT_LT(static_cast<long long>(jpg.size()) * kJpegMaxPixelsPerByte / (512 * 512), 20) << jpg.size();
  EXPECT_EQ(decode_image(jpg, "uniform.jpg").height, 512);
}

TEST(ImageBounds, AChunkLongerThanTheFileIsCorruptNotAnAllocation) {
  // A 4x4 PNG whose second IDAT chunk claims 2 GiB - 64 KiB: stb_image 2.27 grew its buffer to 2 GiB
  // before reading a byte (core/io/stb_image_fixes.cmake, idat_length).
  const std::string full = png_file(4, 4, 8, 0, "");
  const std::string head = full.substr(0, full.size() - 12);  // without IEND
  const std::string bad = head + png_chunk("IDAT", "\x78\x9c\x63") + be32(0x7fff0000u) + "IDAT" + std::string(16, '\0');
  const std::string e = error_of([&] { decode_image(bad, "long_chunk.png"); });
  EXPECT_NE(e.find("long_chunk.png: cannot decode image (Corrupt PNG)"), std::string::npos) << e;
}

TEST(Images, RgbAndJpeg) {
  const std::string rgb = png(2, 2, 3, [](int, int, int c) { return static_cast<unsigned char>(c == 0 ? 255 : 0); });
  const ImageSet s = load_images_from_memory({{"red/1.png", rgb}}, size(2));
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.images.cols(), 12);
  EXPECT_NEAR(s.images(0, 0), 1.0f, 1e-6);
  EXPECT_NEAR(s.images(0, 1), 0.0f, 1e-6);
  // An 8 x 8 JPEG of constant gray 128, written once by stb_image_write (whose
  // JPEG encoder has a signed-shift UB that the sanitizer build would trip on).
  const std::string jpg(
    "\xff\xd8\xff\xe0\x00\x10\x4a\x46\x49\x46\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x84\x00\x02\x01\x01\x01\x01\x01\x02"
    "\x01\x01\x01\x02\x02\x02\x02\x02\x04\x03\x02\x02\x02\x02\x05\x04\x04\x03\x04\x06\x05\x06\x06\x06\x05\x06\x06\x06\x07\x09\x08\x06"
    "\x07\x09\x07\x06\x06\x08\x0b\x08\x09\x0a\x0a\x0a\x0a\x0a\x06\x08\x0b\x0c\x0b\x0a\x0c\x09\x0a\x0a\x0a\x01\x02\x02\x02\x02\x02\x02"
    "\x05\x03\x03\x05\x0a\x07\x06\x07\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a"
    "\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\xff\xc0\x00\x11\x08\x00"
    "\x08\x00\x08\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01\xff\xc4\x01\xa2\x00\x00\x01\x05\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x10\x00\x02\x01\x03\x03\x02\x04\x03\x05\x05\x04\x04\x00\x00\x01\x7d\x01"
    "\x02\x03\x00\x04\x11\x05\x12\x21\x31\x41\x06\x13\x51\x61\x07\x22\x71\x14\x32\x81\x91\xa1\x08\x23\x42\xb1\xc1\x15\x52\xd1\xf0\x24"
    "\x33\x62\x72\x82\x09\x0a\x16\x17\x18\x19\x1a\x25\x26\x27\x28\x29\x2a\x34\x35\x36\x37\x38\x39\x3a\x43\x44\x45\x46\x47\x48\x49\x4a"
    "\x53\x54\x55\x56\x57\x58\x59\x5a\x63\x64\x65\x66\x67\x68\x69\x6a\x73\x74\x75\x76\x77\x78\x79\x7a\x83\x84\x85\x86\x87\x88\x89\x8a"
    "\x92\x93\x94\x95\x96\x97\x98\x99\x9a\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xc2\xc3\xc4\xc5\xc6"
    "\xc7\xc8\xc9\xca\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9"
    "\xfa\x01\x00\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x11\x00"
    "\x02\x01\x02\x04\x04\x03\x04\x07\x05\x04\x04\x00\x01\x02\x77\x00\x01\x02\x03\x11\x04\x05\x21\x31\x06\x12\x41\x51\x07\x61\x71\x13"
    "\x22\x32\x81\x08\x14\x42\x91\xa1\xb1\xc1\x09\x23\x33\x52\xf0\x15\x62\x72\xd1\x0a\x16\x24\x34\xe1\x25\xf1\x17\x18\x19\x1a\x26\x27"
    "\x28\x29\x2a\x35\x36\x37\x38\x39\x3a\x43\x44\x45\x46\x47\x48\x49\x4a\x53\x54\x55\x56\x57\x58\x59\x5a\x63\x64\x65\x66\x67\x68\x69"
    "\x6a\x73\x74\x75\x76\x77\x78\x79\x7a\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x92\x93\x94\x95\x96\x97\x98\x99\x9a\xa2\xa3\xa4\xa5\xa6"
    "\xa7\xa8\xa9\xaa\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xe2"
    "\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00\x28"
    "\x03\xff\xd9",
      611);
  const ImageSet j = load_images_from_memory({{"c/1.jpg", jpg}}, size(4));
  EXPECT_NEAR(j.images(0, 5), 128 / 255.0f, 0.02);
}

TEST(Images, InconsistentChannelsRejectedUnlessConverted) {
  const std::vector<ImageFile> files{{"a/1.png", gray(2, 2, 10)},
                                     {"a/2.png", png(2, 2, 3, [](int, int, int) { return 90; })}};
  const std::string m = error_of([&] { load_images_from_memory(files, size(2), "up"); });
  EXPECT_NE(m.find("different channel counts"), std::string::npos) << m;
  EXPECT_NE(m.find("a/1.png"), std::string::npos) << m;
  EXPECT_NE(m.find("a/2.png"), std::string::npos) << m;
  ImageLoadOptions o = size(2);
  o.channels = 1;
  EXPECT_EQ(load_images_from_memory(files, o).channels, 1);
}

TEST(Images, NonImageFilesAreNamed) {
  const std::string m = error_of([] {
    load_images_from_memory({{"a/1.png", gray(2, 2, 1)}, {"a/notes.txt", "hello, world"}}, size(2), "up");
  });
  EXPECT_NE(m.find("a/notes.txt"), std::string::npos) << m;
  EXPECT_NE(m.find("not a PNG or JPEG"), std::string::npos) << m;
  EXPECT_NE(error_of([] { load_images_from_memory({{"a/empty.png", ""}}, size(2)); }).find("a/empty.png"),
            std::string::npos);
  // A truncated PNG.
  const std::string cut = gray(8, 8, 3).substr(0, 40);
  EXPECT_NE(error_of([&] { load_images_from_memory({{"a/cut.png", cut}}, size(2)); }).find("a/cut.png"), std::string::npos);
}

TEST(Images, LayoutErrors) {
  EXPECT_NE(error_of([] { load_images_from_memory({}, size(2), "up"); }).find("no images"), std::string::npos);
  EXPECT_NE(error_of([] { load_images_from_memory({{"loose.png", gray(2, 2, 1)}}, size(2)); }).find("not inside a class folder"),
            std::string::npos);
  const std::string mixed = error_of([] {
    load_images_from_memory({{"a/1.png", gray(2, 2, 1)}, {"a/b/2.png", gray(2, 2, 1)}}, size(2));
  });
  EXPECT_NE(mixed.find("both images and subfolders"), std::string::npos) << mixed;
  // Hidden files (and folders) are ignored.
  const ImageSet s = load_images_from_memory(
      {{"a/1.png", gray(2, 2, 1)}, {"a/.DS_Store", "junk"}, {".git/x/1.png", "junk"}}, size(2));
  EXPECT_EQ(s.images.rows(), 1);
}

class ImageFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() /
           ("metalab_images_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
  }
  void TearDown() override { std::filesystem::remove_all(root); }
  void write(const std::string& rel, const std::string& bytes) {
    const auto p = root / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
  std::filesystem::path root;
};

TEST_F(ImageFolder, LoadsATree) {
  write("background/latin/a/1.png", gray(6, 6, 255));
  write("background/latin/a/2.png", gray(6, 6, 0));
  write("evaluation/greek/b/1.png", gray(6, 6, 128));
  const ImageSet s = load_image_folder(root.string(), size(3));
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"background/latin/a", "evaluation/greek/b"}));
  EXPECT_EQ(s.class_groups, (std::vector<std::string>{"background/latin", "evaluation/greek"}));
  EXPECT_EQ(s.images.rows(), 3);
}

TEST_F(ImageFolder, EmptyRootAndEmptyClassFolder) {
  EXPECT_NE(error_of([&] { read_image_folder(root.string()); }).find("the folder is empty"), std::string::npos);
  write("a/1.png", gray(2, 2, 1));
  std::filesystem::create_directories(root / "b");
  const std::string m = error_of([&] { read_image_folder(root.string()); });
  EXPECT_NE(m.find("empty class folder"), std::string::npos) << m;
  EXPECT_NE(m.find("/b"), std::string::npos) << m;
  EXPECT_NE(error_of([&] { read_image_folder((root / "missing").string()); }).find("not a folder"), std::string::npos);
}

TEST_F(ImageFolder, FilesInTheRootOrMixedFolders) {
  write("a/1.png", gray(2, 2, 1));
  write("stray.png", gray(2, 2, 1));
  EXPECT_NE(error_of([&] { read_image_folder(root.string()); }).find("stray.png"), std::string::npos);
  std::filesystem::remove(root / "stray.png");
  write("a/sub/2.png", gray(2, 2, 1));
  EXPECT_NE(error_of([&] { read_image_folder(root.string()); }).find("both images and subfolders"), std::string::npos);
}

}  // namespace
}  // namespace metalab
