// A DebugTarget without a CPU, for the GDB server's unit tests and fuzz
// harness: 33 registers (x0..x31, pc) and a few mapped bytes at 0x1000.
#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "models/cpu/debug_target.h"

namespace loomvp::test {

struct FakeTarget : DebugTarget {
  uint32_t regs[33] = {};
  std::map<uint64_t, uint8_t> memory;  // mapped bytes
  std::set<uint64_t> breakpoints;

  FakeTarget() {
    for (unsigned i = 0; i < 33; ++i) regs[i] = 0x01020300u + i;
    for (uint64_t a = 0x1000; a < 0x1010; ++a) memory[a] = static_cast<uint8_t>(a & 0xFF);
  }
  unsigned register_count() const override { return 33; }
  uint32_t read_register(unsigned index) const override { return regs[index]; }
  void write_register(unsigned index, uint32_t value) override { regs[index] = value; }
  bool read_memory(uint64_t address, uint8_t* data, size_t length) override {
    for (size_t i = 0; i < length; ++i) {
      auto it = memory.find(address + i);
      if (it == memory.end()) return false;
      data[i] = it->second;
    }
    return true;
  }
  bool write_memory(uint64_t address, const uint8_t* data, size_t length) override {
    for (size_t i = 0; i < length; ++i)
      if (!memory.count(address + i)) return false;
    for (size_t i = 0; i < length; ++i) memory[address + i] = data[i];
    return true;
  }
  void insert_breakpoint(uint64_t address) override { breakpoints.insert(address); }
  void remove_breakpoint(uint64_t address) override { breakpoints.erase(address); }
};

}  // namespace loomvp::test
