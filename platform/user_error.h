// Bad input from the user (a file, a field, a command-line value): reported
// as one clear message naming the file, the field and the allowed values, and
// exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace loomvp {

class UserError : public std::runtime_error {
 public:
  UserError(const std::string& where, const std::string& field, const std::string& problem)
      : std::runtime_error(where + (field.empty() ? "" : ": " + field) + ": " + problem) {}
};

}  // namespace loomvp
