// A few-shot task: a support set to adapt on and a query set to evaluate on.
//
// Regression tasks carry targets as K x 1 (or K x D) matrices. Classification
// tasks carry class indices 0..num_classes-1 stored as floats in a K x 1
// column, so one Task type serves every learner, view and checkpoint.
#pragma once

#include <string>
#include <vector>

#include "core/common/matrix.h"

namespace metalab {

struct Task {
  Matrix support_x, support_y;
  Matrix query_x, query_y;
  int num_classes = 0;  // 0 for regression
  std::string info;     // human-readable description, e.g. "A=2.31 phi=1.05"
  // Classification episodes: the source's class id behind each episode label
  // 0..num_classes-1 (what a pretrained classifier with global labels needs);
  // empty when unknown or for regression.
  std::vector<int> classes;
};

enum class Split { MetaTrain, MetaValidation, MetaTest };
const char* split_name(Split s);

}  // namespace metalab
