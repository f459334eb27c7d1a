#include "npy.h"

#include <cstring>
#include <fstream>

#include "platform/input_checks.h"
#include "platform/user_error.h"

namespace loomvp {
namespace {

constexpr uint64_t kMaxHeaderBytes = 1 << 16;   // NumPy writes < 1 KiB; be generous
constexpr uint64_t kMaxElements = 1ull << 31;
constexpr size_t kMaxDims = 32;

template <typename T>
void convert(const std::vector<char>& raw, std::vector<int64_t>& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<int64_t>(v);
  }
}

// The header is a Python dict literal: {'descr': '<i2', 'fortran_order':
// False, 'shape': (3, 4), }. Scanned by hand, left to right: no regex, no
// recursion, every number checked before use.
class HeaderScanner {
 public:
  HeaderScanner(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw UserError(echo(path_), field, problem + " (header byte " + std::to_string(pos_) + ")");
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c, const std::string& field) {
    if (!take(c)) fail(field, std::string("malformed header: expected '") + c + "'");
  }
  std::string quoted(const std::string& field) {
    skip_space();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail(field, "malformed header: expected a quoted string");
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string::npos || end - pos_ > 64) fail(field, "malformed header: unterminated or overlong string");
    std::string text = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return text;
  }
  bool word(const char* w) {
    skip_space();
    const size_t n = std::strlen(w);
    if (s_.compare(pos_, n, w) != 0) return false;
    pos_ += n;
    return true;
  }
  uint64_t dimension() {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '-') fail("shape", "negative dimension; allowed 0..2^31");
    uint64_t v = 0;
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v = v * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
      if (v > kMaxElements) fail("shape", "dimension too large; allowed 0..2^31");
    }
    if (pos_ == start) fail("shape", "malformed header: expected a dimension (a non-negative integer)");
    return v;
  }
  bool at_end() {
    skip_space();
    return pos_ == s_.size();
  }

 private:
  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

struct Header {
  char order = 0, kind = 0;
  int bytes = 0;
  std::vector<uint64_t> shape;
  uint64_t count = 1;
};

Header parse_header(const std::string& text, const std::string& path) {
  HeaderScanner scan(text, path);
  Header h;
  bool has_descr = false, has_order = false, has_shape = false;
  scan.expect('{', "header");
  while (!scan.take('}')) {
    const std::string key = scan.quoted("header");
    scan.expect(':', key);
    if (key == "descr") {
      const std::string d = scan.quoted("dtype");
      if (d.size() != 3 || std::strchr("<|=>", d[0]) == nullptr || (d[1] != 'i' && d[1] != 'u') ||
          std::strchr("1248", d[2]) == nullptr)
        throw UserError(echo(path), "dtype", "'" + echo(d) + "' unsupported; allowed: int8, int16, int32, int64, uint8, uint16, uint32, uint64");
      h.order = d[0];
      h.kind = d[1];
      h.bytes = d[2] - '0';
      has_descr = true;
    } else if (key == "fortran_order") {
      if (scan.word("True")) throw UserError(echo(path), "fortran_order", "must be False (C order)");
      if (!scan.word("False")) scan.fail("fortran_order", "must be False");
      has_order = true;
    } else if (key == "shape") {
      scan.expect('(', "shape");
      while (!scan.take(')')) {
        if (h.shape.size() == kMaxDims) scan.fail("shape", "more than " + std::to_string(kMaxDims) + " dimensions");
        h.shape.push_back(scan.dimension());
        if (h.shape.back() && h.count > kMaxElements / h.shape.back()) scan.fail("shape", "array too large; at most 2^31 elements");
        h.count *= h.shape.back();
        if (!scan.take(',')) {
          scan.expect(')', "shape");
          break;
        }
      }
      has_shape = true;
    } else {
      scan.fail(echo(key), "unknown header key; allowed: descr, fortran_order, shape");
    }
    if (!scan.take(',')) {
      scan.expect('}', "header");
      break;
    }
  }
  if (!scan.at_end()) scan.fail("header", "malformed header: text after the closing '}'");
  if (!has_descr) throw UserError(echo(path), "dtype", "missing in header ('descr')");
  if (!has_order) throw UserError(echo(path), "fortran_order", "missing in header");
  if (!has_shape) throw UserError(echo(path), "shape", "missing in header");
  if (h.order == '>' && h.bytes > 1) throw UserError(echo(path), "dtype", "big-endian arrays are not supported");
  return h;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  const uint64_t file_bytes = require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(echo(path), "", "cannot open file");
  unsigned char prefix[12] = {};
  if (!in.read(reinterpret_cast<char*>(prefix), 8) || std::memcmp(prefix, "\x93NUMPY", 6) != 0)
    throw UserError(echo(path), "", "not a .npy file (bad magic)");
  const unsigned version = prefix[6];
  if (version < 1 || version > 3 || prefix[7] != 0)
    throw UserError(echo(path), "version",
                    std::to_string(version) + "." + std::to_string(prefix[7]) + " unsupported; allowed: 1.0, 2.0, 3.0");
  const unsigned length_bytes = version == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(prefix + 8), length_bytes))
    throw UserError(echo(path), "header length", "file ends inside the header length");
  uint64_t header_len = 0;
  for (unsigned i = 0; i < length_bytes; ++i) header_len |= uint64_t{prefix[8 + i]} << (8 * i);
  const uint64_t data_offset = 8 + length_bytes + header_len;
  if (header_len > kMaxHeaderBytes || data_offset > file_bytes)
    throw UserError(echo(path), "header length",
                    std::to_string(header_len) + " bytes claimed, but the file has " + std::to_string(file_bytes) +
                        " bytes (at most " + std::to_string(kMaxHeaderBytes) + " allowed)");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len)))
    throw UserError(echo(path), "", "truncated .npy header");

  const Header h = parse_header(header, path);
  const uint64_t data_bytes = h.count * static_cast<uint64_t>(h.bytes);
  if (data_bytes != file_bytes - data_offset)
    throw UserError(echo(path), "shape",
                    "claims " + std::to_string(h.count) + " elements (" + std::to_string(data_bytes) +
                        " bytes) but the file holds " + std::to_string(file_bytes - data_offset) + " data bytes");
  std::vector<char> raw(data_bytes);
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    throw UserError(echo(path), "", "truncated data: expected " + std::to_string(h.count) + " elements");
  NpyArray array;
  array.shape = h.shape;
  array.values.resize(h.count);
  switch (h.bytes * (h.kind == 'u' ? -1 : 1)) {
    case 1: convert<int8_t>(raw, array.values); break;
    case 2: convert<int16_t>(raw, array.values); break;
    case 4: convert<int32_t>(raw, array.values); break;
    case 8: convert<int64_t>(raw, array.values); break;
    case -1: convert<uint8_t>(raw, array.values); break;
    case -2: convert<uint16_t>(raw, array.values); break;
    case -4: convert<uint32_t>(raw, array.values); break;
    case -8:
      convert<int64_t>(raw, array.values);
      for (uint64_t i = 0; i < h.count; ++i)
        if (array.values[i] < 0)  // a uint64 above INT64_MAX fits no precision
          throw UserError(echo(path), "element " + std::to_string(i), "uint64 value too large; allowed 0..2^63-1");
      break;
  }
  return array;
}

}  // namespace loomvp
