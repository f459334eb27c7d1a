#include "npy.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "platform/user_error.h"

namespace loomvp {
namespace {

template <typename T>
void convert(const std::vector<char>& raw, std::vector<int64_t>& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<int64_t>(v);
  }
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path, "", "cannot open file");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw UserError(path, "", "not a .npy file (bad magic)");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char len[2];
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (len[1] << 8);
  } else {
    unsigned char len[4];
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t(len[3]) << 24);
  }
  std::string header(header_len, '\0');
  if (!in || header_len > (1u << 20) || !in.read(header.data(), header_len))
    throw UserError(path, "", "truncated .npy header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<|=>])([iu])([1248])'")))
    throw UserError(path, "dtype", "unsupported; allowed: int8, int16, int32, int64, uint8, uint16, uint32, uint64");
  const char order = m[1].str()[0], kind = m[2].str()[0];
  const int bytes = std::stoi(m[3]);
  if (order == '>' && bytes > 1) throw UserError(path, "dtype", "big-endian arrays are not supported");
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw UserError(path, "fortran_order", "must be False (C order)");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw UserError(path, "shape", "missing in header");

  NpyArray array;
  uint64_t count = 1;
  const std::string dims = m[1];
  static const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    array.shape.push_back(std::stoull(it->str()));
    count *= array.shape.back();
  }
  if (count > (1ull << 31)) throw UserError(path, "shape", "array too large");
  std::vector<char> raw(count * bytes);
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    throw UserError(path, "", "truncated data: expected " + std::to_string(count) + " elements");
  array.values.resize(count);
  switch (bytes * (kind == 'u' ? -1 : 1)) {
    case 1: convert<int8_t>(raw, array.values); break;
    case 2: convert<int16_t>(raw, array.values); break;
    case 4: convert<int32_t>(raw, array.values); break;
    case 8: convert<int64_t>(raw, array.values); break;
    case -1: convert<uint8_t>(raw, array.values); break;
    case -2: convert<uint16_t>(raw, array.values); break;
    case -4: convert<uint32_t>(raw, array.values); break;
    case -8:
      convert<int64_t>(raw, array.values);
      for (uint64_t i = 0; i < count; ++i)
        if (array.values[i] < 0)  // a uint64 above INT64_MAX fits no precision
          throw UserError(path, "element " + std::to_string(i), "uint64 value too large; allowed 0..2^63-1");
      break;
  }
  return array;
}

}  // namespace loomvp
