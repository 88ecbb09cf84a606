#include "core/tasks/mri_regions.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <stdexcept>

namespace metalab {

std::map<int, std::string> region_names_from_table(const CsvTable& table) {
  const int lc = table.column_index("label"), nc = table.column_index("name");
  std::map<int, std::string> out;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& text = table.rows[r][static_cast<std::size_t>(lc)];
    float v = 0;
    if (!parse_number(text, &v) || v < 1 || v != std::floor(v) || v > 1e6f)
      throw DataError(table.source + ": line " + std::to_string(table.lines[r]) + ": label '" + text +
                      "' is not a positive whole number");
    const int label = static_cast<int>(v);
    if (!out.emplace(label, table.rows[r][static_cast<std::size_t>(nc)]).second)
      throw DataError(table.source + ": line " + std::to_string(table.lines[r]) + ": label " + std::to_string(label) +
                      " is named twice");
  }
  return out;
}

std::string region_pair(const std::string& name) {
  if (name.size() > 2 && (name.compare(name.size() - 2, 2, "_L") == 0 || name.compare(name.size() - 2, 2, "_R") == 0))
    return name.substr(0, name.size() - 2);
  return name;
}

MriPatchBank::MriPatchBank(const NiftiVolume& t1, const NiftiVolume& labels, const std::map<int, std::string>& names,
                           int patch)
    : nx_(t1.nx()), ny_(t1.ny()), nz_(t1.nz()), patch_(patch) {
  if (patch < 2) throw std::invalid_argument("mri-regions: patch must be >= 2 pixels, got " + std::to_string(patch));
  for (const NiftiVolume* v : {&t1, &labels})
    if (v->volumes() != 1 || v->rank < 3)
      throw DataError(v->source + ": expected one 3-D volume, got rank " + std::to_string(v->rank) + " with " +
                      std::to_string(v->volumes()) + " volumes");
  if (labels.nx() != nx_ || labels.ny() != ny_ || labels.nz() != nz_)
    throw DataError(labels.source + " is " + std::to_string(labels.nx()) + " x " + std::to_string(labels.ny()) + " x " +
                    std::to_string(labels.nz()) + " voxels, " + t1.source + " " + std::to_string(nx_) + " x " +
                    std::to_string(ny_) + " x " + std::to_string(nz_) + ": the atlas must be on the MRI's grid");
  float peak = 0;
  for (float v : t1.data) {
    if (!std::isfinite(v)) throw DataError(t1.source + ": contains NaN or infinite intensities");
    peak = std::max(peak, v);
  }
  if (!(peak > 0)) throw DataError(t1.source + ": no positive intensity");
  t1_.resize(t1.data.size());
  for (std::size_t i = 0; i < t1_.size(); ++i) t1_[i] = t1.data[i] / peak;
  std::map<int, std::vector<int>> by_label;
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    const float v = labels.data[i];
    if (!(v >= 0) || v != std::floor(v) || v > 1e6f)
      throw DataError(labels.source + ": voxel " + std::to_string(i) + " has label " + std::to_string(v) +
                      ", not a whole number >= 0");
    if (v > 0) by_label[static_cast<int>(v)].push_back(static_cast<int>(i));
  }
  if (by_label.size() < 2) throw DataError(labels.source + ": fewer than two labelled regions");
  for (auto& [label, vox] : by_label) {
    regions_.push_back(label);
    auto it = names.find(label);
    names_.push_back(it == names.end() ? "region" + std::to_string(label) : it->second);
    voxels_.push_back(std::move(vox));
  }
}

std::array<int, 3> MriPatchBank::centre(int cls, int i) const {
  const int v = voxels_[static_cast<std::size_t>(cls)][static_cast<std::size_t>(i)];
  return {v % nx_, (v / nx_) % ny_, v / (nx_ * ny_)};
}

void MriPatchBank::patch_at(int cx, int cy, int cz, float* out) const {
  const int h = patch_ / 2;
  for (int r = 0; r < patch_; ++r) {
    const int y = cy + h - 1 - r;
    for (int c = 0; c < patch_; ++c) {
      const int x = cx - h + c;
      out[r * patch_ + c] = intensity(x, y, cz);
    }
  }
}

float MriPatchBank::intensity(int x, int y, int z) const {
  if (x < 0 || x >= nx_ || y < 0 || y >= ny_ || z < 0 || z >= nz_) return 0.0f;
  return t1_[(static_cast<std::size_t>(z) * ny_ + static_cast<std::size_t>(y)) * nx_ + static_cast<std::size_t>(x)];
}

void MriPatchBank::example(int cls, int i, float* out) const {
  const auto c = centre(cls, i);
  patch_at(c[0], c[1], c[2], out);
}

const MriPatchBank& mri_patch_bank(const ClassificationSource& source) {
  const auto* bank = dynamic_cast<const MriPatchBank*>(&source.bank());
  if (!bank) throw std::invalid_argument(source.name() + " is not an MRI region source");
  return *bank;
}

std::unique_ptr<DescribedClassificationSource> make_mri_region_source(const NiftiVolume& t1, const NiftiVolume& labels,
                                                                      const std::map<int, std::string>& names,
                                                                      const Options& options) {
  OptionReader r(options, "mri-regions task option");
  r.ignore("name");
  const EpisodeConfig episodes = read_episode_options(r, 15);
  const int patch = static_cast<int>(r.integer("patch", 16, 2, 256));
  const std::uint64_t seed = static_cast<std::uint64_t>(r.integer("split_seed", 0, 0, LLONG_MAX));
  const double fraction = r.real("train_fraction", 0.5, 0.0, 1.0);
  if (!(fraction > 0 && fraction < 1))
    throw std::invalid_argument("mri-regions task option 'train_fraction': must be strictly between 0 and 1");
  auto bank = std::make_shared<const MriPatchBank>(t1, labels, names, patch);
  Fingerprint fp;
  fp.add(t1.data.data(), t1.data.size() * sizeof(float));
  fp.add(labels.data.data(), labels.data.size() * sizeof(float));
  for (int c = 0; c < bank->num_classes(); ++c) fp.add(bank->class_name(c));
  r.check("regions", std::to_string(bank->num_classes()));
  r.check("data_hash", fp.hex());
  r.finish();
  // Split region pairs, in order of first appearance.
  std::vector<std::string> pairs;
  std::vector<int> pair_of(static_cast<std::size_t>(bank->num_classes()));
  for (int c = 0; c < bank->num_classes(); ++c) {
    const std::string p = region_pair(bank->class_name(c));
    auto it = std::find(pairs.begin(), pairs.end(), p);
    pair_of[static_cast<std::size_t>(c)] = static_cast<int>(it - pairs.begin());
    if (it == pairs.end()) pairs.push_back(p);
  }
  if (pairs.size() < 2) throw std::invalid_argument("mri-regions: fewer than two region pairs: nothing to hold out");
  const ClassSplit ps = split_classes(static_cast<int>(pairs.size()), fraction, 0.0, seed);
  const std::set<int> train_pairs(ps.train.begin(), ps.train.end());
  ClassSplit split;
  for (int c = 0; c < bank->num_classes(); ++c)
    (train_pairs.count(pair_of[static_cast<std::size_t>(c)]) ? split.train : split.test).push_back(c);
  return std::make_unique<DescribedClassificationSource>("mri-regions", std::move(bank), std::move(split), episodes,
                                                         described_options("mri-regions", r.used()));
}

}  // namespace metalab
