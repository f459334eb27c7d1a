// Reading untrusted input safely: regular files only, JSON parsed with a
// depth limit and errors that name the field, and error messages that echo
// at most a few hundred characters of what the user gave (docs/errors.md).
// Nothing here recurses on the input's structure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace loomvp {

constexpr size_t kEchoMaxChars = 200;
constexpr size_t kJsonMaxDepth = 64;  // bundles and platforms nest 4 deep at most

// `text` as it may appear in a message: at most kEchoMaxChars characters,
// control and non-ASCII bytes shown as '?', a cut marked with the full length.
std::string echo(std::string_view text);

// A compact rendering of a JSON value, at most about kEchoMaxChars characters,
// built iteratively (json::dump recurses and is unbounded).
std::string echo_json(const nlohmann::json& value);

// Throws UserError naming `path` unless `path` names an existing regular
// file (or a symlink to one); a FIFO or directory would block or fail later.
// Returns its size in bytes.
uint64_t require_regular_file(const std::string& path);

// Parses a JSON file. Errors are UserError naming the file and the field
// (e.g. "layers[2].pw") where the parser stopped: malformed text, a number
// beyond double range (1e400), nesting deeper than kJsonMaxDepth.
nlohmann::json parse_json_file(const std::string& path);

// The same for text given on the command line; `source` and `field` name it.
nlohmann::json parse_json_text(const std::string& text, const std::string& source, const std::string& field);

}  // namespace loomvp
