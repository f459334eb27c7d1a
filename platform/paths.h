// Where the project's data files (platforms, workloads, firmware) are found:
// $LOOMVP_HOME when set; else, for an installed binary, PREFIX/share/loomvp
// next to its own bin/ (so a moved prefix still works); else the source tree
// the binary was built from.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace loomvp {

// PREFIX/share/loomvp of the running executable, or "" when it is not installed.
inline std::string installed_data_dir() {
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  std::string dir(exe, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));  // PREFIX/bin
  const std::string data = dir + "/../share/loomvp";
  struct stat st {};
  return stat((data + "/platform/configs").c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? data : "";
}

inline std::string project_root() {
  if (const char* home = std::getenv("LOOMVP_HOME")) return home;
  static const std::string installed = installed_data_dir();
  return installed.empty() ? LOOMVP_SOURCE_DIR : installed;
}

inline std::string project_path(const std::string& relative) { return project_root() + "/" + relative; }

// A built file (firmware ELF): from the install's data when installed, else
// the build-tree path given.
inline std::string built_file(const std::string& relative, const char* build_path) {
  static const std::string installed = installed_data_dir();
  return installed.empty() ? build_path : installed + "/" + relative;
}

}  // namespace loomvp
