// Bring your own data: files uploaded into the classification lab.
//
//   CSV   one row per example: a label column (of the columns whose cells are
//         not all numbers, the one with the fewest distinct values, at least
//         two; else the first column) and numeric features; other text
//         columns (ids) are ignored.
//   PNG / JPEG images, several files at once: the class is the part of the
//         file name before the first '_' (cat_01.png, cat_02.png, dog_1.png...),
//         or the folder when the name has one (cat/01.png). Images are
//         converted to gray and resized to 14 x 14; each upload adds to the
//         images already uploaded ("Clear images" starts over).
//   FASTA (.fa, .fasta, .faa) protein sequences labelled by family, the first
//         word after each name (">P69905 Globin ..."): episodes as the
//         protein-families task makes them (core/tasks/protein_families.h),
//         families split between meta-train and meta-test.
// A malformed file sets `error` (naming the file and the problem) and
// changes nothing.
#pragma once

#include "web/app/page/strings.h"

#include <memory>
#include <string>
#include <vector>

#include "core/io/images.h"
#include "core/tasks/episodes.h"

namespace metalab::web {

struct ByoData {
  std::shared_ptr<const LabeledDataset> dataset;  // what the lab uses (null: nothing uploaded)
  std::string name;                               // e.g. "my.csv" or "12 images"
  std::vector<ImageFile> images;                  // uploaded images so far ("class/file.png")
  std::string fasta;                              // an uploaded FASTA's text ("" unless the data is one)
  std::string error, message;
  long version = 0;  // bumps when dataset changes
  long uploads = 0;
};

constexpr int kByoImageSize = 14;

// Whether a file name looks like data for the lab (.csv, .png, .jpg, .jpeg, .fa, .fasta, .faa).
bool byo_accepts(const std::string& file_name);
// Parses an uploaded file; on success replaces (CSV) or extends (images) the
// dataset, otherwise sets error and keeps everything as it was. The messages
// are in the strings' language (the reasons from the readers stay English).
void byo_receive(ByoData& byo, const std::string& file_name, const std::string& bytes, const Strings& strings);
void byo_clear(ByoData& byo);

}  // namespace metalab::web
