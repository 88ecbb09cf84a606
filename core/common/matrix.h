// The one dense matrix type MetaLab passes around: float, row-major, dynamic.
//
// Row-major so that a matrix's storage is laid out exactly like a C-contiguous
// tensor (PyTorch, NumPy, safetensors): rows of a batch are contiguous, and
// checkpoint bytes map onto a Matrix without any transposition.
#pragma once

#include <Eigen/Core>

namespace metalab {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace metalab
