#include "elf_loader.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "platform/user_error.h"

namespace loomvp {
namespace {

constexpr uint64_t kMaxFileBytes = 256ull << 20;  // a bare-metal program is far smaller
constexpr unsigned kEhdrBytes = 52, kPhdrBytes = 32, kShdrBytes = 40, kSymBytes = 16;
constexpr uint16_t kEtExec = 2, kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1, kShtSymtab = 2, kShtStrtab = 3;

uint16_t read16(const std::vector<uint8_t>& b, uint64_t at) { return uint16_t(b[at] | b[at + 1] << 8); }
uint32_t read32(const std::vector<uint8_t>& b, uint64_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

ElfImage ElfImage::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UserError(path, "", "cannot open the ELF file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw UserError(path, "", "cannot read the ELF file");
  if (static_cast<uint64_t>(size) > kMaxFileBytes)
    throw UserError(path, "file size", std::to_string(size) + " bytes; at most " + std::to_string(kMaxFileBytes));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw UserError(path, "", "cannot read the ELF file");
  return parse(std::move(bytes), path);
}

ElfImage ElfImage::parse(std::vector<uint8_t> bytes, const std::string& name) {
  ElfImage image;
  image.name_ = name;
  const std::vector<uint8_t>& b = bytes;
  const uint64_t size = b.size();
  auto fail = [&](const std::string& field, const std::string& problem) { throw UserError(name, field, problem); };

  if (size < kEhdrBytes) fail("ELF header", "file is " + std::to_string(size) + " bytes, shorter than the 52-byte ELF32 header");
  if (std::memcmp(b.data(), "\x7f" "ELF", 4) != 0) fail("e_ident", "not an ELF file (no \\x7fELF magic)");
  if (b[4] != 1) fail("e_ident[EI_CLASS]", std::to_string(b[4]) + "; allowed: 1 (ELFCLASS32, RV32)");
  if (b[5] != 1) fail("e_ident[EI_DATA]", std::to_string(b[5]) + "; allowed: 1 (little-endian)");
  if (read16(b, 18) != kEmRiscv) fail("e_machine", std::to_string(read16(b, 18)) + "; allowed: 243 (EM_RISCV)");
  if (read16(b, 16) != kEtExec) fail("e_type", std::to_string(read16(b, 16)) + "; allowed: 2 (ET_EXEC, a linked executable)");

  image.entry_ = read32(b, 24);
  const uint64_t phoff = read32(b, 28), shoff = read32(b, 32);
  const uint16_t phentsize = read16(b, 42), phnum = read16(b, 44);
  const uint16_t shentsize = read16(b, 46), shnum = read16(b, 48);
  if (phnum == 0) fail("e_phnum", "0; a program needs at least one PT_LOAD segment");
  if (phentsize != kPhdrBytes) fail("e_phentsize", std::to_string(phentsize) + "; allowed: 32");
  if (phoff + uint64_t(phnum) * kPhdrBytes > size)
    fail("e_phoff", "program headers at " + hex(phoff) + " run past the end of the " + std::to_string(size) + "-byte file");

  for (uint16_t i = 0; i < phnum; ++i) {
    const uint64_t at = phoff + uint64_t(i) * kPhdrBytes;
    if (read32(b, at) != kPtLoad) continue;
    Segment segment{read32(b, at + 12), read32(b, at + 16), read32(b, at + 20), read32(b, at + 4)};
    const std::string field = "program header " + std::to_string(i);
    if (uint64_t(segment.offset) + segment.file_size > size)
      fail(field, "p_offset " + hex(segment.offset) + " + p_filesz " + hex(segment.file_size) +
                      " runs past the end of the " + std::to_string(size) + "-byte file");
    if (segment.file_size > segment.mem_size)
      fail(field, "p_filesz " + hex(segment.file_size) + " is larger than p_memsz " + hex(segment.mem_size));
    if (uint64_t(segment.address) + segment.mem_size > (1ull << 32))
      fail(field, "segment at " + hex(segment.address) + " of " + hex(segment.mem_size) +
                      " bytes runs past the 32-bit address space");
    if (segment.mem_size) image.segments_.push_back(segment);
  }
  if (image.segments_.empty()) fail("program headers", "no PT_LOAD segment with bytes to load");
  const bool entry_loaded = std::any_of(image.segments_.begin(), image.segments_.end(), [&](const Segment& s) {
    return image.entry_ >= s.address && image.entry_ - s.address < s.file_size;
  });
  if (!entry_loaded) fail("e_entry", hex(image.entry_) + " is not inside a loaded segment");

  // The symbol table is optional; a malformed one is an error all the same.
  if (shnum != 0) {
    if (shentsize != kShdrBytes) fail("e_shentsize", std::to_string(shentsize) + "; allowed: 40");
    if (shoff + uint64_t(shnum) * kShdrBytes > size)
      fail("e_shoff", "section headers at " + hex(shoff) + " run past the end of the " + std::to_string(size) + "-byte file");
    for (uint16_t i = 0; i < shnum; ++i) {
      const uint64_t at = shoff + uint64_t(i) * kShdrBytes;
      if (read32(b, at + 4) != kShtSymtab) continue;
      const std::string field = "section header " + std::to_string(i) + " (.symtab)";
      const uint32_t offset = read32(b, at + 16), length = read32(b, at + 20), link = read32(b, at + 24);
      if (uint64_t(offset) + length > size) fail(field, "runs past the end of the file");
      if (link >= shnum) fail(field, "sh_link " + std::to_string(link) + " names no section");
      const uint64_t str_at = shoff + uint64_t(link) * kShdrBytes;
      if (read32(b, str_at + 4) != kShtStrtab) fail(field, "sh_link does not name a string table");
      const uint32_t str_offset = read32(b, str_at + 16), str_length = read32(b, str_at + 20);
      if (uint64_t(str_offset) + str_length > size) fail(field, "its string table runs past the end of the file");
      image.symtab_offset_ = offset;
      image.symtab_size_ = length - length % kSymBytes;
      image.strtab_offset_ = str_offset;
      image.strtab_size_ = str_length;
      break;
    }
  }
  image.bytes_ = std::move(bytes);
  return image;
}

std::optional<uint32_t> ElfImage::symbol(const std::string& wanted) const {
  for (uint64_t at = symtab_offset_; at + kSymBytes <= uint64_t(symtab_offset_) + symtab_size_; at += kSymBytes) {
    const uint32_t name = read32(bytes_, at);
    if (name >= strtab_size_ || strtab_size_ - name < wanted.size() + 1) continue;
    const char* text = reinterpret_cast<const char*>(bytes_.data()) + strtab_offset_ + name;
    if (std::memcmp(text, wanted.data(), wanted.size()) == 0 && text[wanted.size()] == '\0')
      return read32(bytes_, at + 4);
  }
  return std::nullopt;
}

void ElfImage::load(const BackdoorWrite& write) const {
  static const uint8_t zeros[4096] = {};
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    // The last byte first: a segment that ends outside memory is refused
    // before any of it is written (and allocated).
    bool ok = write(uint64_t(s.address) + s.mem_size - 1, zeros, 1);
    ok = ok && (s.file_size == 0 || write(s.address, bytes_.data() + s.offset, s.file_size));
    for (uint64_t done = s.file_size; ok && done < s.mem_size; done += sizeof zeros)
      ok = write(s.address + done, zeros, std::min<uint64_t>(sizeof zeros, s.mem_size - done));
    if (!ok)
      throw UserError(name_, "PT_LOAD segment " + std::to_string(i),
                      "[" + hex(s.address) + ", " + hex(uint64_t(s.address) + s.mem_size) +
                          ") is outside the platform's memory (SRAM at 0x0, DRAM at 0x80000000)");
  }
}

}  // namespace loomvp
