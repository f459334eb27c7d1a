// Where the project's data files (platforms, workloads) are found: the
// source tree the binary was built from, or $LOOMVP_HOME when set.
#pragma once

#include <cstdlib>
#include <string>

namespace loomvp {

inline std::string project_root() {
  if (const char* home = std::getenv("LOOMVP_HOME")) return home;
  return LOOMVP_SOURCE_DIR;
}

inline std::string project_path(const std::string& relative) { return project_root() + "/" + relative; }

}  // namespace loomvp
