// Verbs implemented in Python (tools/sweep.py, tools/report.py): the
// binary replaces itself with Debian's /usr/bin/python3 (or $LOOMVP_PYTHON)
// running the tool from the project's data (source tree or install), and
// passes its own path in $LOOMVP_BIN so the tool runs this same loomvp.
#pragma once

#include <string>

namespace loomvp {

// Does not return on success; throws UserError when the tool cannot start.
[[noreturn]] void exec_python_tool(const std::string& tool_relative_path, int argc, char** argv);

}  // namespace loomvp
