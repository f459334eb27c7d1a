// Fuzzes the platform file and --set parser: the first line is a platform
// file, every further line one --set assignment.
#include <string>
#include <vector>

#include "platform/config.h"
#include "platform/user_error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const std::string file = loomvp_fuzz::scratch_dir() + "/platform.json";
  const std::string head = text.substr(0, newline);
  loomvp_fuzz::write_file(file, reinterpret_cast<const uint8_t*>(head.data()), head.size());
  std::vector<std::string> overrides;
  for (size_t start = newline; start != std::string::npos && start < text.size();) {
    const size_t end = text.find('\n', start + 1);
    overrides.push_back(text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1));
    start = end;
  }
  try {
    loomvp::load_platform(file, "", overrides);
  } catch (const loomvp::UserError&) {
  }
  return 0;
}
