// Brain regions from MRI patches: N-way K-shot episodes whose classes are
// anatomical regions of an atlas (AAL's 116), and whose examples are 2-D
// axial patches of a T1 MRI centred on a voxel of the region. Regions are
// split between meta-train and meta-test (left and right homologues, e.g.
// Precentral_L and Precentral_R, always together: mirror images would leak),
// so a test episode asks about regions never seen in meta-training.
//
// One subject: the shipped data (assets/data/colin27_*_2mm.nii) is a single
// brain, Colin27, so every episode, train or test, comes from the same
// person; what transfers is how to tell places apart in this brain, not how
// to read a new patient's scan.
//
//   NiftiVolume t1 = parse_nifti(t1_bytes, "colin27_t1_2mm.nii");
//   NiftiVolume atlas = parse_nifti(aal_bytes, "colin27_aal_2mm.nii");
//   auto names = region_names_from_table(parse_csv_string(csv, "aal_regions.csv"));
//   auto src = make_mri_region_source(t1, atlas, names, {{"patch", "16"}});
//   Episode e = src->sample_episode(Split::MetaTest, rng);
//   auto where = mri_patch_bank(*src).centre(e.classes[0], e.support_items[0]);  // voxel (x, y, z)
//
// A patch is `patch` x `patch` pixels of the axial slice through its centre
// voxel: image row r is y = cy + patch/2 - 1 - r (anterior at the top), column
// c is x = cx - patch/2 + c (the subject's right on the right: neurological
// convention), intensities divided by the volume's largest value (so in
// [0, 1] for a non-negative T1); pixels outside the volume are 0. Every voxel
// of a region is a possible centre (class_size = the region's voxel count).
// Options (defaults in brackets):
//   ways [5], shots [1], queries [15], test_ways, test_shots, test_queries [0 = as training]
//   patch [16]     pixels per side (Conv4's 4 blocks take 16 down to 1 x 1)
//   split_seed [0], train_fraction [0.5]: region pairs (a base name without
//                  _L / _R) shuffled by the seed, the first round(fraction x
//                  pairs) to meta-train, the rest to meta-test
//   regions, data_hash: written by description(); checked when given.
#pragma once

#include <array>
#include <memory>

#include "core/io/nifti.h"
#include "core/tasks/bio_common.h"

namespace metalab {

// label -> name from a table with columns `label` and `name` (e.g.
// assets/data/aal_regions.csv). DataError for a missing column, a label that
// is not a positive integer, or a repeated label.
std::map<int, std::string> region_names_from_table(const CsvTable& table);

// Patches of an MRI around the voxels of each labelled region.
class MriPatchBank : public ExampleBank {
 public:
  // DataError if the volumes are not 3-D, differ in size, or a label value is
  // not a whole number >= 0. Regions are the labels > 0 that occur, in
  // increasing order; a label without a name is called "region<k>".
  MriPatchBank(const NiftiVolume& t1, const NiftiVolume& labels, const std::map<int, std::string>& names, int patch);
  int num_classes() const override { return static_cast<int>(regions_.size()); }
  int class_size(int cls) const override { return static_cast<int>(voxels_[static_cast<std::size_t>(cls)].size()); }
  int feature_dim() const override { return patch_ * patch_; }
  void example(int cls, int i, float* out) const override;
  std::string class_name(int cls) const override { return names_[static_cast<std::size_t>(cls)]; }
  int image_height() const override { return patch_; }
  int image_width() const override { return patch_; }
  int image_channels() const override { return 1; }

  // The atlas label of class cls, and the centre voxel (x, y, z) of example i.
  int label(int cls) const { return regions_[static_cast<std::size_t>(cls)]; }
  std::array<int, 3> centre(int cls, int i) const;
  // An axial patch centred anywhere (for views): patch^2 floats.
  void patch_at(int x, int y, int z, float* out) const;
  // The scaled T1 intensity at a voxel (in [0, 1]; 0 outside the volume).
  float intensity(int x, int y, int z) const;
  int nx() const { return nx_; }
  int ny() const { return ny_; }
  int nz() const { return nz_; }

 private:
  int nx_, ny_, nz_, patch_;
  std::vector<float> t1_;  // scaled to [0, 1] by the largest value
  std::vector<int> regions_;
  std::vector<std::string> names_;
  std::vector<std::vector<int>> voxels_;  // per class: flat voxel indices (x fastest)
};

// The region pair a name belongs to: the name without a trailing "_L" or "_R".
std::string region_pair(const std::string& name);

// Episodes over MriPatchBank(t1, labels, names, patch): a
// DescribedClassificationSource whose bank() is that MriPatchBank.
// std::invalid_argument for bad options; DataError for bad volumes.
std::unique_ptr<DescribedClassificationSource> make_mri_region_source(const NiftiVolume& t1, const NiftiVolume& labels,
                                                                      const std::map<int, std::string>& names,
                                                                      const Options& options);
// The patch bank of a source make_mri_region_source built (centres of
// examples, patches anywhere); std::invalid_argument for any other source.
const MriPatchBank& mri_patch_bank(const ClassificationSource& source);

}  // namespace metalab
