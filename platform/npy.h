// Reader for NumPy .npy files holding integer arrays (the workload bundle's
// tensor format): little-endian or single-byte integer dtypes, C order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loomvp {

struct NpyArray {
  std::vector<uint64_t> shape;
  std::vector<int64_t> values;  // C order
};

// Throws UserError naming `path` on anything it cannot read.
NpyArray read_npy(const std::string& path);

}  // namespace loomvp
