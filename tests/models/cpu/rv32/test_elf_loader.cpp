// ELF loader: a small valid RV32 executable is built byte by byte here, then
// broken one field at a time; each break must give a message naming the field.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "platform/elf_loader.h"
#include "platform/user_error.h"

using namespace loomvp;

namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = v & 0xff;
  b[at + 1] = v >> 8;
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = (v >> (8 * i)) & 0xff;
}

// Layout: ELF header (52) | one program header (32) at 52 | 8 code bytes at 84
// | .symtab (2 symbols, 32 bytes) at 92 | .strtab "\0tohost\0" (8) at 124
// | 3 section headers (null, symtab, strtab) at 132.
constexpr uint32_t kLoadAddress = 0x80000000u, kCodeOffset = 84, kCodeBytes = 8, kMemBytes = 16;
constexpr uint32_t kTohost = 0x80000008u;

std::vector<uint8_t> valid_elf() {
  std::vector<uint8_t> b(132 + 3 * 40, 0);
  std::memcpy(b.data(), "\x7f" "ELF", 4);
  b[4] = 1;  // ELFCLASS32
  b[5] = 1;  // little-endian
  b[6] = 1;
  put16(b, 16, 2);    // ET_EXEC
  put16(b, 18, 243);  // EM_RISCV
  put32(b, 20, 1);
  put32(b, 24, kLoadAddress);  // entry
  put32(b, 28, 52);            // phoff
  put32(b, 32, 132);           // shoff
  put16(b, 40, 52);
  put16(b, 42, 32);
  put16(b, 44, 1);
  put16(b, 46, 40);
  put16(b, 48, 3);
  // PT_LOAD: 8 bytes of code, 16 in memory.
  put32(b, 52, 1);
  put32(b, 56, kCodeOffset);
  put32(b, 60, kLoadAddress);
  put32(b, 64, kLoadAddress);
  put32(b, 68, kCodeBytes);
  put32(b, 72, kMemBytes);
  put32(b, 76, 7);
  for (uint32_t i = 0; i < kCodeBytes; ++i) b[kCodeOffset + i] = 0xA0 + i;
  // Symbol 1: "tohost" (name offset 1 in .strtab).
  put32(b, 92 + 16, 1);
  put32(b, 92 + 20, kTohost);
  std::memcpy(&b[124], "\0tohost\0", 8);
  // Section 1: .symtab -> link 2.
  put32(b, 132 + 40 + 4, 2);
  put32(b, 132 + 40 + 16, 92);
  put32(b, 132 + 40 + 20, 32);
  put32(b, 132 + 40 + 24, 2);
  // Section 2: .strtab.
  put32(b, 132 + 80 + 4, 3);
  put32(b, 132 + 80 + 16, 124);
  put32(b, 132 + 80 + 20, 8);
  return b;
}

std::string error_of(std::vector<uint8_t> bytes) {
  try {
    ElfImage::parse(std::move(bytes), "prog.elf");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a valid RV32 executable gives its entry, segment, symbols and bytes") {
  const ElfImage image = ElfImage::parse(valid_elf(), "prog.elf");
  CHECK(image.entry() == kLoadAddress);
  REQUIRE(image.segments().size() == 1);
  CHECK(image.segments()[0].address == kLoadAddress);
  CHECK(image.segments()[0].file_size == kCodeBytes);
  CHECK(image.segments()[0].mem_size == kMemBytes);
  CHECK(image.symbol("tohost") == kTohost);
  CHECK_FALSE(image.symbol("toh").has_value());
  CHECK_FALSE(image.symbol("missing").has_value());

  std::map<uint64_t, uint8_t> memory;
  image.load([&](uint64_t address, const uint8_t* data, uint64_t length) {
    for (uint64_t i = 0; i < length; ++i) memory[address + i] = data[i];
    return true;
  });
  REQUIRE(memory.size() == kMemBytes);
  for (uint32_t i = 0; i < kMemBytes; ++i) CHECK(memory[kLoadAddress + i] == (i < kCodeBytes ? 0xA0 + i : 0));
}

TEST_CASE("bad ELF files are refused with the field named") {
  auto broken = valid_elf();
  SECTION("truncated inside the header") {
    broken.resize(30);
    CHECK_THAT(error_of(broken), Catch::Contains("prog.elf") && Catch::Contains("shorter than the 52-byte"));
  }
  SECTION("truncated inside the segment's bytes") {
    broken.resize(88);
    CHECK_THAT(error_of(broken), Catch::Contains("program header 0") && Catch::Contains("past the end"));
  }
  SECTION("not an ELF file") {
    broken[1] = 'X';
    CHECK_THAT(error_of(broken), Catch::Contains("e_ident") && Catch::Contains("magic"));
  }
  SECTION("64-bit class") {
    broken[4] = 2;
    CHECK_THAT(error_of(broken), Catch::Contains("EI_CLASS") && Catch::Contains("ELFCLASS32"));
  }
  SECTION("big-endian") {
    broken[5] = 2;
    CHECK_THAT(error_of(broken), Catch::Contains("EI_DATA"));
  }
  SECTION("foreign machine (x86-64)") {
    put16(broken, 18, 62);
    CHECK_THAT(error_of(broken), Catch::Contains("e_machine: 62") && Catch::Contains("243 (EM_RISCV)"));
  }
  SECTION("not an executable") {
    put16(broken, 16, 3);
    CHECK_THAT(error_of(broken), Catch::Contains("e_type"));
  }
  SECTION("program headers past the end") {
    put32(broken, 28, 0xFFFFFFF0u);
    CHECK_THAT(error_of(broken), Catch::Contains("e_phoff"));
  }
  SECTION("segment offset past the end") {
    put32(broken, 56, 0xFFFFFFFFu);
    CHECK_THAT(error_of(broken), Catch::Contains("p_offset"));
  }
  SECTION("file size larger than memory size") {
    put32(broken, 72, 4);
    CHECK_THAT(error_of(broken), Catch::Contains("p_filesz") && Catch::Contains("p_memsz"));
  }
  SECTION("segment beyond 4 GiB") {
    put32(broken, 64, 0xFFFFFFFCu);
    CHECK_THAT(error_of(broken), Catch::Contains("32-bit address space"));
  }
  SECTION("entry point outside the loaded bytes") {
    put32(broken, 24, 0x1000);
    CHECK_THAT(error_of(broken), Catch::Contains("e_entry") && Catch::Contains("0x1000"));
  }
  SECTION("no loadable segment") {
    put32(broken, 52, 4);  // PT_NOTE
    CHECK_THAT(error_of(broken), Catch::Contains("no PT_LOAD"));
  }
  SECTION("symbol table linked to a missing section") {
    put32(broken, 132 + 40 + 24, 9);
    CHECK_THAT(error_of(broken), Catch::Contains(".symtab") && Catch::Contains("sh_link"));
  }
  SECTION("symbol table past the end") {
    put32(broken, 132 + 40 + 20, 0x10000);
    CHECK_THAT(error_of(broken), Catch::Contains(".symtab") && Catch::Contains("past the end"));
  }
}

TEST_CASE("a symbol name running off the end of the string table is not matched") {
  auto bytes = valid_elf();
  put32(bytes, 132 + 80 + 20, 4);  // .strtab cut to "\0toh"
  const ElfImage image = ElfImage::parse(bytes, "prog.elf");
  CHECK_FALSE(image.symbol("tohost").has_value());
  CHECK_FALSE(image.symbol("toh").has_value());
}

TEST_CASE("a segment outside the memory map is refused when loading") {
  const ElfImage image = ElfImage::parse(valid_elf(), "prog.elf");
  try {
    image.load([](uint64_t, const uint8_t*, uint64_t) { return false; });
    FAIL("no error");
  } catch (const UserError& e) {
    CHECK_THAT(e.what(), Catch::Contains("prog.elf") && Catch::Contains("0x80000000") &&
                             Catch::Contains("outside the platform's memory"));
  }
}

TEST_CASE("a missing ELF file is a clear error") {
  CHECK_THROWS_WITH(ElfImage::read_file("/nonexistent/prog.elf"),
                    Catch::Contains("/nonexistent/prog.elf") && Catch::Contains("cannot open"));
}

TEST_CASE("a segment running past the end of memory is refused before anything is written") {
  auto bytes = valid_elf();
  put32(bytes, 72, 0x40000000u);  // p_memsz 1 GiB: .bss beyond a 1 MiB memory
  const ElfImage image = ElfImage::parse(bytes, "prog.elf");
  uint64_t bytes_written = 0;
  const auto memory_1mib = [&](uint64_t address, const uint8_t*, uint64_t length) {
    if (address < kLoadAddress || address + length > kLoadAddress + (1u << 20)) return false;
    bytes_written += length;
    return true;
  };
  CHECK_THROWS_WITH(image.load(memory_1mib), Catch::Contains("outside the platform's memory"));
  CHECK(bytes_written == 0);
}
