// Output files (--stats, --csv, --junit): checked for writability before the
// simulation starts, then written all or nothing. A regular file is written
// to a temporary beside it and renamed into place once every output has been
// written and closed without error; a device or FIFO (/dev/stdout, /dev/full)
// is written directly. Any failure is a UserError naming the option and path
// (exit 2, docs/errors.md).
#pragma once

#include <string>
#include <vector>

namespace loomvp {

struct OutputFile {
  std::string option;  // "--stats"
  std::string path;
  std::string text;
};

// Throws UserError unless `path` can be created or replaced.
void check_writable(const std::string& option, const std::string& path);

// Writes every output, or (on any error) none of the regular files.
void write_outputs(const std::vector<OutputFile>& outputs);

}  // namespace loomvp
