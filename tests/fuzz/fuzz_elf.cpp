// Fuzzes the RV32 ELF loader (platform/elf_loader): any bytes as an
// executable. Only UserError may leave it. An accepted image must keep the
// promises the loader makes (each PT_LOAD inside the file, p_filesz <=
// p_memsz, the entry in a loaded segment), and loading writes only where the
// memory callback says there is memory (64 KiB of SRAM at 0, of DRAM at
// 0x80000000 here).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "platform/elf_loader.h"
#include "platform/user_error.h"
#include "tests/fuzz/fuzz_support.h"

using namespace loomvp;

namespace {

constexpr uint64_t kWindowBytes = 64 << 10;
constexpr uint64_t kWindows[] = {0x0, 0x80000000};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "accepted ELF breaks a promise: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> memory(2 * kWindowBytes);
  try {
    const ElfImage image = ElfImage::parse(std::vector<uint8_t>(data, data + size), "fuzz.elf");
    bool entry_loaded = false;
    for (const ElfImage::Segment& s : image.segments()) {
      require(uint64_t{s.offset} + s.file_size <= size, "segment bytes inside the file");
      require(s.file_size <= s.mem_size && s.mem_size > 0, "0 < p_filesz <= p_memsz");
      require(uint64_t{s.address} + s.mem_size <= (1ull << 32), "segment inside the 32-bit map");
      entry_loaded |= image.entry() >= s.address && image.entry() - s.address < s.file_size;
    }
    require(entry_loaded, "entry inside a loaded segment");
    for (const char* name : {"_start", "tohost", "main", ""}) image.symbol(name);
    image.load([](uint64_t address, const uint8_t* bytes, uint64_t length) {
      for (size_t w = 0; w < 2; ++w)
        if (address >= kWindows[w] && length <= kWindowBytes && address - kWindows[w] <= kWindowBytes - length) {
          std::memcpy(memory.data() + w * kWindowBytes + (address - kWindows[w]), bytes, length);
          return true;
        }
      return false;
    });
  } catch (const UserError&) {
  }
  return 0;
}
