// Synthetic glyphs: a procedural alphabet with as many classes as you like, a
// teaching stand-in for Omniglot (Lake et al. 2015) that needs no download.
//
// A class is a glyph of a few strokes (line segments, circular arcs, quadratic
// and cubic Bezier curves), drawn from an Rng seeded by (seed, class id); later
// strokes often start on an earlier one, so glyphs look like connected
// characters rather than scattered marks. An instance is that glyph redrawn as
// a person would: every control point jittered, a different pen width, and a
// small affine change (rotation, scale, shear, translation) drawn from an Rng
// seeded by (seed, class id, instance id). Rendering is anti-aliased (pixel
// coverage of round-capped strokes) at any size, bright strokes (1) on a dark
// background (0), like Omniglot inverted and like MNIST.
//
//   GlyphConfig cfg;                      // 28 x 28, 2..4 strokes
//   Matrix img = render_glyph(17, 3, cfg, /*seed=*/1);   // 1 x 784, row-major (y, x)
//   ClassSplit s = split_classes(1000, 0.7, 0.1, /*seed=*/1);  // class ids per split
//
// Deterministic: the same (class id, instance id, seed, config) gives the same
// image natively and in the browser. All randomness comes from metalab::Rng
// and the trigonometry from fixed polynomials (no platform libm sin/cos).
//
// Images are single-channel rows in the pixel-major layout of autodiff/ops.h:
// element y * size + x is pixel (y, x), so N images stacked are the [N, H*W]
// input of the Conv4 backbone.
#pragma once

#include <cstdint>
#include <vector>

#include "core/common/matrix.h"
#include "core/tasks/task.h"

namespace metalab {

struct GlyphConfig {
  int size = 28;              // output is size x size pixels (>= 8)
  int strokes_min = 2;        // strokes per glyph, drawn uniformly in [min, max]
  int strokes_max = 4;
  double stroke_width = 0.08;  // pen width as a fraction of the image side (2.2 px at 28)
  // Per-instance variation (0 turns each off: every instance identical).
  double jitter = 0.035;       // std of control-point displacement, fraction of the side
  double width_jitter = 0.25;  // pen width varies by up to +-25%
  double rotation = 0.20;      // max rotation, radians (about +-11 degrees)
  double scale = 0.10;         // scale in [1 - scale, 1 + scale]
  double shear = 0.12;         // max shear factor
  double translation = 0.06;   // max shift, fraction of the side

  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

// One instance of one class: 1 x size*size floats in [0, 1].
Matrix render_glyph(int class_id, int instance_id, const GlyphConfig& config, std::uint64_t seed);

// Instances 0..count-1 of a class, one per row: count x size*size.
Matrix render_glyph_instances(int class_id, int count, const GlyphConfig& config, std::uint64_t seed);

// The class prototype drawn without any per-instance variation (for views).
Matrix render_glyph_template(int class_id, const GlyphConfig& config, std::uint64_t seed);

// Class ids 0..num_classes-1 shuffled by seed and cut into meta-train,
// meta-validation and meta-test (the test split gets the rest). Every split
// has at least one class when num_classes >= 3 and both fractions leave room.
struct ClassSplit {
  std::vector<int> train, validation, test;
  const std::vector<int>& of(Split split) const;
};
ClassSplit split_classes(int num_classes, double train_fraction, double validation_fraction, std::uint64_t seed);

}  // namespace metalab
