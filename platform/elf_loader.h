// Reads a bare-metal RV32 executable: ELF32, little-endian, EM_RISCV,
// ET_EXEC. Every size and offset is checked against the file before use; a
// malformed, foreign or out-of-map file throws UserError naming the file and
// the field (the CLI turns it into exit code 2).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace loomvp {

class ElfImage {
 public:
  struct Segment {
    uint32_t address;    // p_paddr: where the bytes go in the SoC's map
    uint32_t file_size;  // bytes taken from the file
    uint32_t mem_size;   // file_size plus zero fill (.bss)
    uint32_t offset;     // in the file
  };

  // Reads and checks `path`.
  static ElfImage read_file(const std::string& path);
  // Checks an image already in memory; `name` is used in messages.
  static ElfImage parse(std::vector<uint8_t> bytes, const std::string& name);

  uint32_t entry() const { return entry_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // Value of a symbol in .symtab, if present.
  std::optional<uint32_t> symbol(const std::string& name) const;

  // Writes every PT_LOAD segment (its file bytes, then zeros up to mem_size)
  // through `write`, which returns false when the range is not memory; then
  // the segment is out of the map and UserError names it.
  using BackdoorWrite = std::function<bool(uint64_t address, const uint8_t* data, uint64_t length)>;
  void load(const BackdoorWrite& write) const;

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
  uint32_t entry_ = 0;
  std::vector<Segment> segments_;
  uint32_t symtab_offset_ = 0, symtab_size_ = 0, strtab_offset_ = 0, strtab_size_ = 0;
};

}  // namespace loomvp
