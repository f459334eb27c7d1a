// Fuzzes the network.json loader inside a bundle holding tiny-conv's .npy
// files. Shapes are checked against the device limits before any tensor is
// generated (issue 7 defect 3), so "uniform" sources are fuzzed too; the
// limits are lowered to keep each input fast.
#include <cstring>
#include <filesystem>

#include "platform/user_error.h"
#include "platform/workload.h"
#include "tests/fuzz/fuzz_support.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string bundle = [] {
    const std::string dir = loomvp_fuzz::scratch_dir() + "/bundle";
    fs::copy(std::string(LOOMVP_SOURCE_DIR) + "/workloads/tiny-conv", dir, fs::copy_options::recursive);
    return dir;
  }();
  loomvp_fuzz::write_file(bundle + "/network.json", data, size);
  try {
    loomvp::DeviceLimits limits;
    limits.max_tensor_elements = 1u << 20;
    limits.max_layer_macs = 1u << 26;
    loomvp::load_workload(bundle, limits);
  } catch (const loomvp::UserError&) {
  }
  return 0;
}
