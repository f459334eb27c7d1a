// Shared by the harnesses: a scratch file per process for readers that take
// a path. Only UserError (bad input, exit 2) may leave the code under test;
// anything else escapes the harness and libFuzzer reports it as a crash.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace loomvp_fuzz {

inline std::string scratch_dir() {
  static const std::string dir = [] {
    std::string pattern = "/tmp/loomvp-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  return dir;
}

inline void write_file(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
}

}  // namespace loomvp_fuzz

// libsystemc's own main() is unused (libFuzzer has one), but the library
// still needs the symbol (declared extern "C" by SystemC).
extern "C" int sc_main(int, char*[]) { return 0; }
