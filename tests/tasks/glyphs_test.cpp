#include "core/tasks/glyphs.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>

namespace metalab {
namespace {

TEST(Glyphs, ShapeRangeAndDeterminism) {
  GlyphConfig cfg;
  const Matrix a = render_glyph(17, 3, cfg, 1);
  ASSERT_EQ(a.rows(), 1);
  ASSERT_EQ(a.cols(), 28 * 28);
  EXPECT_GE(a.minCoeff(), 0.0f);
  EXPECT_LE(a.maxCoeff(), 1.0f);
  EXPECT_FLOAT_EQ(a.maxCoeff(), 1.0f);  // strokes are fully bright in their middle
  EXPECT_TRUE(a == render_glyph(17, 3, cfg, 1));
  EXPECT_FALSE(a == render_glyph(17, 4, cfg, 1));  // another instance
  EXPECT_FALSE(a == render_glyph(18, 3, cfg, 1));  // another class
  EXPECT_FALSE(a == render_glyph(17, 3, cfg, 2));  // another alphabet
}

TEST(Glyphs, MostlyDarkBackgroundWithSomeInk) {
  GlyphConfig cfg;
  for (int c = 0; c < 50; ++c) {
    const Matrix img = render_glyph(c, 0, cfg, 7);
    const double ink = img.sum() / static_cast<double>(img.size());
    EXPECT_GT(ink, 0.03) << "class " << c;
    EXPECT_LT(ink, 0.45) << "class " << c;
    // The border rows stay mostly dark: glyphs are centred.
    EXPECT_LT(img.leftCols(28).sum(), 10.0f) << "class " << c;
  }
}

TEST(Glyphs, AnySize) {
  GlyphConfig cfg;
  cfg.size = 20;
  const Matrix a = render_glyph(5, 0, cfg, 1);
  EXPECT_EQ(a.cols(), 400);
  cfg.size = 105;
  EXPECT_EQ(render_glyph(5, 0, cfg, 1).cols(), 105 * 105);
  cfg.size = 4;
  EXPECT_THROW(render_glyph(5, 0, cfg, 1), std::invalid_argument);
}

TEST(Glyphs, NoVariationMeansIdenticalInstances) {
  GlyphConfig cfg;
  cfg.jitter = cfg.width_jitter = cfg.rotation = cfg.scale = cfg.shear = cfg.translation = 0;
  EXPECT_TRUE(render_glyph(3, 0, cfg, 1) == render_glyph(3, 9, cfg, 1));
  EXPECT_TRUE(render_glyph(3, 0, cfg, 1) == render_glyph_template(3, cfg, 1));
}

// Instances of a class are closer to each other than to other classes' on
// average: the classes are learnable, and within-class variation is real.
TEST(Glyphs, WithinClassCloserThanBetween) {
  GlyphConfig cfg;
  const int classes = 12, instances = 6;
  std::vector<Matrix> imgs;
  for (int c = 0; c < classes; ++c) imgs.push_back(render_glyph_instances(c, instances, cfg, 3));
  double within = 0, between = 0;
  int nw = 0, nb = 0;
  for (int c = 0; c < classes; ++c)
    for (int d = 0; d < classes; ++d)
      for (int i = 0; i < instances; ++i)
        for (int j = 0; j < instances; ++j) {
          if (c == d && i >= j) continue;
          const double dist = (imgs[c].row(i) - imgs[d].row(j)).squaredNorm();
          if (c == d) within += dist, ++nw;
          else between += dist, ++nb;
        }
  within /= nw;
  between /= nb;
  EXPECT_GT(within, 0.0);
  EXPECT_LT(within, 0.85 * between);
}

TEST(Glyphs, StrokeCountsRespectConfig) {
  GlyphConfig one;
  one.strokes_min = one.strokes_max = 1;
  GlyphConfig many;
  many.strokes_min = many.strokes_max = 6;
  double ink1 = 0, ink6 = 0;
  for (int c = 0; c < 20; ++c) {
    ink1 += render_glyph_template(c, one, 5).sum();
    ink6 += render_glyph_template(c, many, 5).sum();
  }
  EXPECT_GT(ink6, 1.5 * ink1);
}

TEST(Glyphs, InvalidConfigNamesField) {
  GlyphConfig cfg;
  cfg.strokes_max = 1;
  cfg.strokes_min = 2;
  try {
    cfg.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("strokes_max"), std::string::npos);
  }
  GlyphConfig neg;
  EXPECT_THROW(render_glyph(-1, 0, neg, 1), std::invalid_argument);
  EXPECT_THROW(render_glyph(0, -1, neg, 1), std::invalid_argument);
}

// Golden bits: an FNV-1a hash of the float bits of 600 glyphs. The same value
// came out of a native -march=native build and an Emscripten build run under
// node, so the alphabet is the same natively and in the browser.
TEST(Glyphs, GoldenBitsSameNativelyAndInWebAssembly) {
  GlyphConfig cfg;
  std::uint64_t h = 1469598103934665603ULL;
  for (int c = 0; c < 200; ++c)
    for (int i = 0; i < 3; ++i) {
      const Matrix m = render_glyph(c, i, cfg, 42);
      for (Eigen::Index k = 0; k < m.size(); ++k) {
        std::uint32_t b;
        const float f = m.data()[k];
        std::memcpy(&b, &f, 4);
        h = (h ^ b) * 1099511628211ULL;
      }
    }
  EXPECT_EQ(h, 0xf97d1690fcc04eefULL);
}

TEST(Glyphs, SplitClassesPartitions) {
  const ClassSplit s = split_classes(1000, 0.7, 0.1, 4);
  EXPECT_EQ(s.train.size(), 700u);
  EXPECT_EQ(s.validation.size(), 100u);
  EXPECT_EQ(s.test.size(), 200u);
  std::set<int> all;
  for (Split sp : {Split::MetaTrain, Split::MetaValidation, Split::MetaTest})
    for (int c : s.of(sp)) EXPECT_TRUE(all.insert(c).second);
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), 999);
  EXPECT_EQ(split_classes(1000, 0.7, 0.1, 4).train, s.train);
  EXPECT_NE(split_classes(1000, 0.7, 0.1, 5).train, s.train);
  // Tiny: every split still gets a class.
  const ClassSplit t = split_classes(3, 0.9, 0.05, 1);
  EXPECT_EQ(t.train.size(), 1u);
  EXPECT_EQ(t.validation.size(), 1u);
  EXPECT_EQ(t.test.size(), 1u);
  EXPECT_THROW(split_classes(0, 0.7, 0.1, 1), std::invalid_argument);
  EXPECT_THROW(split_classes(10, 0.8, 0.3, 1), std::invalid_argument);
}

}  // namespace
}  // namespace metalab
