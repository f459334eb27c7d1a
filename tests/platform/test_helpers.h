// Helpers shared by the platform tests: a temporary directory removed at the
// end of the test, file writers, and a minimal .npy writer (written here from
// the NumPy format description, independently of platform/npy.cpp).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace loomvp_test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loomvp-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Writes a .npy file: `descr` such as "<i2", `shape`, raw little-endian data.
inline void write_npy_raw(const std::string& path, const std::string& descr, const std::vector<uint64_t>& shape,
                          const std::vector<uint8_t>& data, int major_version = 1) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t prefix = major_version == 1 ? 10 : 12;  // magic(6) + version(2) + length(2 or 4)
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY", 6);
  bytes += static_cast<char>(major_version);
  bytes += '\0';
  const uint32_t len = static_cast<uint32_t>(header.size());
  bytes += static_cast<char>(len & 0xff);
  bytes += static_cast<char>((len >> 8) & 0xff);
  if (major_version != 1) {
    bytes += static_cast<char>((len >> 16) & 0xff);
    bytes += static_cast<char>((len >> 24) & 0xff);
  }
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
  write_text(path, bytes);
}

// Writes int64 values as a little-endian integer .npy of `bytes_per_value`
// (1, 2, 4 or 8) and signedness.
inline void write_npy(const std::string& path, const std::vector<uint64_t>& shape, const std::vector<int64_t>& values,
                      int bytes_per_value = 8, bool is_signed = true, int major_version = 1) {
  std::vector<uint8_t> data;
  for (int64_t v : values)
    for (int b = 0; b < bytes_per_value; ++b) data.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * b)));
  const std::string descr = std::string(bytes_per_value == 1 ? "|" : "<") + (is_signed ? "i" : "u") +
                            std::to_string(bytes_per_value);
  write_npy_raw(path, descr, shape, data, major_version);
}

}  // namespace loomvp_test
