// What a debugger may do to a CPU model, and nothing more: read and write
// registers and memory without side effects, breakpoints, and run control.
// The ISS implements it; the GDB remote-serial server (models/cpu/gdb_server)
// drives it and knows nothing of instruction decoding, as the ISS knows
// nothing of sockets.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loomvp {

// Why a CPU stopped and handed control to its debugger.
enum class StopReason {
  Breakpoint,  // reached an inserted software breakpoint (before executing it)
  Step,        // finished a single step
  Interrupt,   // the debugger asked it to stop (Ctrl-C)
  Exited,      // the program ended (tohost / SYSCTRL exit); no more execution
};

class DebugTarget {
 public:
  virtual ~DebugTarget() = default;

  // RV32: 33 registers, x0..x31 then pc, each 32 bits (GDB's riscv:rv32 order).
  virtual unsigned register_count() const = 0;
  virtual uint32_t read_register(unsigned index) const = 0;
  virtual void write_register(unsigned index, uint32_t value) = 0;

  // Debug accesses (TLM transport_dbg): no simulated time, no side effects on
  // devices. Return false when any byte is unmapped.
  virtual bool read_memory(uint64_t address, uint8_t* data, size_t length) = 0;
  virtual bool write_memory(uint64_t address, const uint8_t* data, size_t length) = 0;

  virtual void insert_breakpoint(uint64_t address) = 0;
  virtual void remove_breakpoint(uint64_t address) = 0;
};

// The debugger side: the CPU calls `on_stop` from its own SystemC thread
// whenever it stops (breakpoint, step done, interrupt request, exit) and
// stays stopped until it returns. The return value says how to go on.
// Simulated time does not advance while the CPU is stopped.
enum class ResumeMode { Continue, Step, Kill, Detach };

class DebugHook {
 public:
  virtual ~DebugHook() = default;
  virtual ResumeMode on_stop(DebugTarget& target, StopReason reason) = 0;
  // Polled by the CPU between instruction batches (at most every quantum):
  // true when the debugger wants the CPU to stop (a Ctrl-C arrived).
  virtual bool stop_requested() = 0;
};

}  // namespace loomvp
