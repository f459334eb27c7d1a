// Fuzzes the .npy reader: any byte string is read or refused with a UserError.
#include "platform/npy.h"
#include "platform/user_error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = loomvp_fuzz::scratch_dir() + "/x.npy";
  loomvp_fuzz::write_file(path, data, size);
  try {
    const loomvp::NpyArray array = loomvp::read_npy(path);
    uint64_t count = 1;
    for (uint64_t d : array.shape) count *= d;
    if (count != array.values.size()) std::abort();  // shape and data must agree
  } catch (const loomvp::UserError&) {
  }
  return 0;
}
