// The error for a file or text that does not follow its format (safetensors,
// JSON, IDX...). Its message names the source and the problem, in one line.
#pragma once

#include <stdexcept>

namespace metalab {

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace metalab
