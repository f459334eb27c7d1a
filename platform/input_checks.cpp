#include "input_checks.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "platform/user_error.h"

namespace loomvp {

using nlohmann::json;

std::string echo(std::string_view text) {
  std::string out;
  const size_t shown = std::min(text.size(), kEchoMaxChars);
  out.reserve(shown + 40);
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (text.size() > shown) out += "... (" + std::to_string(text.size()) + " characters)";
  return out;
}

std::string echo_json(const json& value) {
  struct Frame {
    const json* container;
    json::const_iterator next;
  };
  std::string out;
  std::vector<Frame> stack;
  const json* current = &value;
  while (out.size() <= kEchoMaxChars) {
    if (current) {  // render `current`, or open it
      if (current->is_object() || current->is_array()) {
        out += current->is_object() ? '{' : '[';
        stack.push_back({current, current->cbegin()});
      } else if (current->is_string()) {
        out += '"' + echo(current->get_ref<const std::string&>()) + '"';
      } else {
        out += current->dump();  // a scalar: bounded
      }
      current = nullptr;
      continue;
    }
    if (stack.empty()) return out;
    Frame& top = stack.back();
    if (top.next == top.container->cend()) {
      out += top.container->is_object() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    if (top.next != top.container->cbegin()) out += ", ";
    if (top.container->is_object()) out += '"' + echo(top.next.key()) + "\": ";
    current = &*top.next;
    ++top.next;
  }
  return out.substr(0, kEchoMaxChars) + "...";
}

uint64_t require_regular_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw UserError(echo(path), "", std::string("cannot open file: ") + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) throw UserError(echo(path), "", "is a directory; expected a regular file");
  if (!S_ISREG(info.st_mode))
    throw UserError(echo(path), "", "is not a regular file (a FIFO, socket or device); expected a regular file");
  return static_cast<uint64_t>(info.st_size);
}

namespace {

// Builds the document through nlohmann's own DOM builder while keeping the
// path to the value being parsed, so an error can name the field.
class PathTrackingParser {
 public:
  using Dom = nlohmann::detail::json_sax_dom_parser<json>;

  PathTrackingParser(json& result, std::string source) : dom_(result), source_(std::move(source)) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) { return value() && dom_.number_float(v, s); }
  bool string(std::string& v) { return value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return value() && dom_.binary(v); }
  bool start_object(std::size_t n) { return open(false) && dom_.start_object(n); }
  bool key(std::string& k) {
    frames_.back().key = k;
    return dom_.key(k);
  }
  bool end_object() { return close() && dom_.end_object(); }
  bool start_array(std::size_t n) { return open(true) && dom_.start_array(n); }
  bool end_array() { return close() && dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    std::string problem = std::string("malformed JSON: ") + e.what();
    if (e.id == 406) problem = "number out of range; allowed: finite numbers (about +-1.8e308)";
    fail(problem + " (byte " + std::to_string(position) + ")");
  }

 private:
  struct Frame {
    bool array;
    size_t count = 0;  // elements started so far
    std::string key;
  };

  // Every value counts as an element of the array holding it.
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
    return true;
  }
  bool open(bool array) {
    if (frames_.size() >= kJsonMaxDepth)
      fail("nested deeper than " + std::to_string(kJsonMaxDepth) + " levels");
    value();
    frames_.push_back({array, 0, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    std::string field;
    for (size_t i = 0; i < frames_.size() && field.size() < kEchoMaxChars; ++i) {
      const Frame& f = frames_[i];
      // The innermost frame's element has not started yet when a value fails.
      const size_t index = i + 1 == frames_.size() ? f.count : f.count - 1;
      if (f.array)
        field += "[" + std::to_string(index) + "]";
      else if (!f.key.empty())
        field += (field.empty() ? "" : ".") + echo(f.key);
    }
    throw UserError(source_, field.empty() ? "(top level)" : echo(field), problem);
  }

  Dom dom_;
  std::string source_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json_file(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(echo(path), "", "cannot open file");
  json result;
  PathTrackingParser parser(result, echo(path));
  json::sax_parse(in, &parser);
  return result;
}

json parse_json_text(const std::string& text, const std::string& source, const std::string& field) {
  json result;
  PathTrackingParser parser(result, source + ": " + echo(field));
  json::sax_parse(text, &parser);
  return result;
}

}  // namespace loomvp
