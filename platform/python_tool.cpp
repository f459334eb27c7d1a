#include "python_tool.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "platform/paths.h"
#include "platform/user_error.h"

namespace loomvp {

void exec_python_tool(const std::string& tool_relative_path, int argc, char** argv) {
  const char* python_env = std::getenv("LOOMVP_PYTHON");
  const std::string python = python_env && *python_env ? python_env : "/usr/bin/python3";
  const std::string tool = project_path(tool_relative_path);
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    setenv("LOOMVP_BIN", exe, 1);
  }
  std::vector<char*> args{const_cast<char*>(python.c_str()), const_cast<char*>(tool.c_str())};
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(nullptr);
  execv(python.c_str(), args.data());
  throw UserError(python, tool, std::string("cannot start the Python tool: ") + std::strerror(errno));
}

}  // namespace loomvp
