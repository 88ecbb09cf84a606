#include "core/tasks/glyphs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/common/rng.h"

namespace metalab {

namespace {

constexpr double kPi = 3.14159265358979323846;

// sin and cos from a fixed Taylor polynomial after exact range reduction, so
// that glyph geometry does not depend on the platform's libm.
double det_sin(double x) {
  x -= 2.0 * kPi * std::round(x / (2.0 * kPi));  // [-pi, pi]
  const double x2 = x * x;
  double term = x, sum = x;
  for (int k = 1; k <= 13; ++k) {
    term *= -x2 / static_cast<double>((2 * k) * (2 * k + 1));
    sum += term;
  }
  return sum;
}
double det_cos(double x) { return det_sin(x + 0.5 * kPi); }

std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
std::uint64_t class_seed(std::uint64_t seed, int class_id) {
  return mix64(mix64(seed ^ 0x676C797068734131ULL) ^ static_cast<std::uint64_t>(static_cast<std::uint32_t>(class_id)));
}
std::uint64_t instance_seed(std::uint64_t seed, int class_id, int instance_id) {
  return mix64(class_seed(seed, class_id) ^ mix64(0x1A57A9CEULL + static_cast<std::uint64_t>(static_cast<std::uint32_t>(instance_id))));
}

struct Pt {
  double x = 0, y = 0;
};
Pt operator+(Pt a, Pt b) { return {a.x + b.x, a.y + b.y}; }
Pt operator-(Pt a, Pt b) { return {a.x - b.x, a.y - b.y}; }
Pt operator*(double s, Pt a) { return {s * a.x, s * a.y}; }

// A stroke is a chain of cubic Bezier segments: control points 3k + 1.
using Stroke = std::vector<Pt>;
using Glyph = std::vector<Stroke>;

Pt bezier(const Pt* c, double t) {
  const double u = 1.0 - t;
  return (u * u * u) * c[0] + (3.0 * u * u * t) * c[1] + (3.0 * u * t * t) * c[2] + (t * t * t) * c[3];
}

Stroke line_stroke(Pt a, Pt b) { return {a, a + (1.0 / 3.0) * (b - a), a + (2.0 / 3.0) * (b - a), b}; }

// A circular arc from angle a0 sweeping `sweep` radians, in cubic segments of
// at most a quarter turn (handle length 4/3 tan(theta/4)).
Stroke arc_stroke(Pt center, double r, double a0, double sweep) {
  const int pieces = std::max(1, static_cast<int>(std::ceil(std::abs(sweep) / (0.5 * kPi) - 1e-9)));
  const double step = sweep / pieces;
  const double k = 4.0 / 3.0 * det_sin(step / 4.0) / det_cos(step / 4.0);
  Stroke s;
  double a = a0;
  Pt p{center.x + r * det_cos(a), center.y + r * det_sin(a)};
  s.push_back(p);
  for (int i = 0; i < pieces; ++i) {
    const double b = a + step;
    const Pt q{center.x + r * det_cos(b), center.y + r * det_sin(b)};
    const Pt ta{-det_sin(a), det_cos(a)}, tb{-det_sin(b), det_cos(b)};
    s.push_back(p + (k * r) * ta);
    s.push_back(q - (k * r) * tb);
    s.push_back(q);
    p = q;
    a = b;
  }
  return s;
}

Pt random_direction(Rng& rng, double length) {
  const double a = rng.uniform(0.0, 2.0 * kPi);
  return {length * det_cos(a), length * det_sin(a)};
}

// The class's glyph in [-1, 1]^2 coordinates, fitted into [-0.65, 0.65]^2.
Glyph make_glyph(int class_id, const GlyphConfig& cfg, std::uint64_t seed) {
  Rng rng(class_seed(seed, class_id));
  const int n = rng.randint(cfg.strokes_min, cfg.strokes_max);
  Glyph g;
  for (int s = 0; s < n; ++s) {
    Pt start;
    if (s > 0 && rng.uniform() < 0.65) {
      // Start on an earlier stroke (an end point half of the time).
      const Stroke& prev = g[static_cast<std::size_t>(rng.below(g.size()))];
      const int segments = static_cast<int>(prev.size() - 1) / 3;
      if (rng.uniform() < 0.5) {
        start = rng.uniform() < 0.5 ? prev.front() : prev.back();
      } else {
        const int seg = static_cast<int>(rng.below(static_cast<std::uint64_t>(segments)));
        start = bezier(&prev[static_cast<std::size_t>(3 * seg)], rng.uniform(0.15, 0.85));
      }
    } else {
      start = {rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)};
    }
    const double kind = rng.uniform();
    if (kind < 0.35) {  // line segment
      g.push_back(line_stroke(start, start + random_direction(rng, rng.uniform(0.5, 1.1))));
    } else if (kind < 0.55) {  // circular arc through start
      const double r = rng.uniform(0.2, 0.45);
      const double a0 = rng.uniform(0.0, 2.0 * kPi);
      const double sweep = rng.uniform(0.5 * kPi, 1.7 * kPi) * (rng.uniform() < 0.5 ? -1.0 : 1.0);
      const Pt center{start.x - r * det_cos(a0), start.y - r * det_sin(a0)};
      g.push_back(arc_stroke(center, r, a0, sweep));
    } else if (kind < 0.8) {  // quadratic Bezier, raised to cubic
      const Pt end = start + random_direction(rng, rng.uniform(0.5, 1.1));
      const Pt c = 0.5 * (start + end) + random_direction(rng, rng.uniform(0.25, 0.6));
      g.push_back({start, start + (2.0 / 3.0) * (c - start), end + (2.0 / 3.0) * (c - end), end});
    } else {  // cubic Bezier
      const Pt p1 = start + random_direction(rng, rng.uniform(0.3, 0.8));
      const Pt p2 = start + random_direction(rng, rng.uniform(0.3, 0.8));
      const Pt p3 = start + random_direction(rng, rng.uniform(0.5, 1.0));
      g.push_back({start, p1, p2, p3});
    }
  }
  // Fit: centre the control points' bounding box and scale its longer side
  // into [0.9, 1.3] (the curve lies inside its control points' hull).
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const Stroke& st : g)
    for (const Pt& p : st) {
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
  const double extent = std::max({x1 - x0, y1 - y0, 1e-6});
  const double scale = std::clamp(extent, 0.9, 1.3) / extent;
  const Pt mid{0.5 * (x0 + x1), 0.5 * (y0 + y1)};
  for (Stroke& st : g)
    for (Pt& p : st) p = scale * (p - mid);
  return g;
}

// Anti-aliased round-capped strokes: each pixel takes the coverage of the
// nearest stroke, clamp(half width + 0.5 - distance, 0, 1) in pixels.
void draw_segment(std::vector<double>& img, int size, Pt a, Pt b, double hw) {
  const double reach = hw + 0.5;
  const int xa = std::max(0, static_cast<int>(std::floor(std::min(a.x, b.x) - reach - 0.5)));
  const int xb = std::min(size - 1, static_cast<int>(std::ceil(std::max(a.x, b.x) + reach - 0.5)));
  const int ya = std::max(0, static_cast<int>(std::floor(std::min(a.y, b.y) - reach - 0.5)));
  const int yb = std::min(size - 1, static_cast<int>(std::ceil(std::max(a.y, b.y) + reach - 0.5)));
  const Pt d = b - a;
  const double len2 = d.x * d.x + d.y * d.y;
  for (int y = ya; y <= yb; ++y) {
    for (int x = xa; x <= xb; ++x) {
      const Pt p{x + 0.5 - a.x, y + 0.5 - a.y};
      double t = len2 > 0 ? (p.x * d.x + p.y * d.y) / len2 : 0.0;
      t = std::clamp(t, 0.0, 1.0);
      const double ex = p.x - t * d.x, ey = p.y - t * d.y;
      const double cov = std::clamp(reach - std::sqrt(ex * ex + ey * ey), 0.0, 1.0);
      double& v = img[static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + static_cast<std::size_t>(x)];
      v = std::max(v, cov);
    }
  }
}

Matrix render(const Glyph& g, int size, double width) {
  std::vector<double> img(static_cast<std::size_t>(size) * static_cast<std::size_t>(size), 0.0);
  const double hw = 0.5 * width * size;
  auto to_px = [size](Pt p) { return Pt{(p.x + 1.0) * 0.5 * size, (p.y + 1.0) * 0.5 * size}; };
  for (const Stroke& st : g) {
    for (std::size_t i = 0; i + 3 < st.size(); i += 3) {
      Pt c[4] = {to_px(st[i]), to_px(st[i + 1]), to_px(st[i + 2]), to_px(st[i + 3])};
      double poly = 0;
      for (int k = 0; k < 3; ++k) {
        const Pt e = c[k + 1] - c[k];
        poly += std::sqrt(e.x * e.x + e.y * e.y);
      }
      const int pieces = std::clamp(static_cast<int>(std::ceil(poly / 1.5)), 2, 64);
      Pt prev = c[0];
      for (int k = 1; k <= pieces; ++k) {
        const Pt next = bezier(c, static_cast<double>(k) / pieces);
        draw_segment(img, size, prev, next, hw);
        prev = next;
      }
    }
  }
  Matrix out(1, static_cast<Eigen::Index>(img.size()));
  for (std::size_t i = 0; i < img.size(); ++i) out(0, static_cast<Eigen::Index>(i)) = static_cast<float>(img[i]);
  return out;
}

}  // namespace

void GlyphConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument("glyphs: " + m); };
  if (size < 8 || size > 1024) fail("size must be in [8, 1024], got " + std::to_string(size));
  if (strokes_min < 1) fail("strokes_min must be >= 1");
  if (strokes_max < strokes_min) fail("strokes_max must be >= strokes_min");
  if (strokes_max > 16) fail("strokes_max must be <= 16");
  if (!(stroke_width > 0 && stroke_width <= 0.5)) fail("stroke_width must be in (0, 0.5]");
  auto in_range = [&](const char* name, double v, double hi) {
    if (!(v >= 0 && v <= hi)) fail(std::string(name) + " must be in [0, " + std::to_string(hi) + "]");
  };
  in_range("jitter", jitter, 0.5);
  in_range("width_jitter", width_jitter, 0.9);
  in_range("rotation", rotation, kPi);
  in_range("scale", scale, 0.9);
  in_range("shear", shear, 1.0);
  in_range("translation", translation, 0.5);
}

Matrix render_glyph(int class_id, int instance_id, const GlyphConfig& cfg, std::uint64_t seed) {
  cfg.validate();
  if (class_id < 0) throw std::invalid_argument("glyphs: class id must be >= 0");
  if (instance_id < 0) throw std::invalid_argument("glyphs: instance id must be >= 0");
  Glyph g = make_glyph(class_id, cfg, seed);
  Rng rng(instance_seed(seed, class_id, instance_id));
  const double j = 2.0 * cfg.jitter;  // glyph coordinates span 2 units per image side
  for (Stroke& st : g)
    for (Pt& p : st) p = p + Pt{rng.normal(0.0, j), rng.normal(0.0, j)};
  const double width = cfg.stroke_width * (1.0 + rng.uniform(-cfg.width_jitter, cfg.width_jitter));
  const double theta = rng.uniform(-cfg.rotation, cfg.rotation);
  const double sx = 1.0 + rng.uniform(-cfg.scale, cfg.scale);
  const double sy = sx * (1.0 + rng.uniform(-0.5 * cfg.scale, 0.5 * cfg.scale));
  const double sh = rng.uniform(-cfg.shear, cfg.shear);
  const Pt shift{2.0 * rng.uniform(-cfg.translation, cfg.translation), 2.0 * rng.uniform(-cfg.translation, cfg.translation)};
  const double c = det_cos(theta), s = det_sin(theta);
  for (Stroke& st : g)
    for (Pt& p : st) {
      const double x = sx * (p.x + sh * p.y), y = sy * p.y;  // shear, then scale
      p = Pt{c * x - s * y, s * x + c * y} + shift;          // rotate, then shift
    }
  return render(g, cfg.size, width);
}

Matrix render_glyph_instances(int class_id, int count, const GlyphConfig& cfg, std::uint64_t seed) {
  if (count < 0) throw std::invalid_argument("glyphs: count must be >= 0");
  Matrix out(count, cfg.size * cfg.size);
  for (int i = 0; i < count; ++i) out.row(i) = render_glyph(class_id, i, cfg, seed);
  return out;
}

Matrix render_glyph_template(int class_id, const GlyphConfig& cfg, std::uint64_t seed) {
  cfg.validate();
  if (class_id < 0) throw std::invalid_argument("glyphs: class id must be >= 0");
  return render(make_glyph(class_id, cfg, seed), cfg.size, cfg.stroke_width);
}

const std::vector<int>& ClassSplit::of(Split split) const {
  switch (split) {
    case Split::MetaTrain: return train;
    case Split::MetaValidation: return validation;
    case Split::MetaTest: return test;
  }
  return train;
}

ClassSplit split_classes(int num_classes, double train_fraction, double validation_fraction, std::uint64_t seed) {
  if (num_classes < 1) throw std::invalid_argument("split_classes: need at least one class");
  if (!(train_fraction > 0 && train_fraction <= 1) || !(validation_fraction >= 0 && validation_fraction < 1) ||
      train_fraction + validation_fraction > 1 + 1e-9)
    throw std::invalid_argument("split_classes: fractions must satisfy 0 < train, 0 <= validation, train + validation <= 1");
  std::vector<int> ids(static_cast<std::size_t>(num_classes));
  for (int i = 0; i < num_classes; ++i) ids[static_cast<std::size_t>(i)] = i;
  Rng rng(seed);
  rng.shuffle(ids);
  int n_train = std::max(1, static_cast<int>(std::lround(train_fraction * num_classes)));
  int n_val = validation_fraction > 0 ? std::max(1, static_cast<int>(std::lround(validation_fraction * num_classes))) : 0;
  const bool want_test = train_fraction + validation_fraction < 1 - 1e-9;
  // Shrink the larger split until every requested split has a class.
  while (n_train + n_val + (want_test ? 1 : 0) > num_classes && (n_train > 1 || n_val > 1)) {
    if (n_train >= n_val) --n_train;
    else --n_val;
  }
  n_train = std::min(n_train, num_classes);
  n_val = std::min(n_val, num_classes - n_train);
  ClassSplit s;
  s.train.assign(ids.begin(), ids.begin() + n_train);
  s.validation.assign(ids.begin() + n_train, ids.begin() + n_train + n_val);
  s.test.assign(ids.begin() + n_train + n_val, ids.end());
  return s;
}

}  // namespace metalab
