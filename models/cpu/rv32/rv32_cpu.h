// RV32IM + Zicsr instruction-set simulator, machine mode only (docs/rv32.md).
// Instructions are decoded once per address into pages of pre-decoded
// entries and executed from a switch; fetch and data use DMI where the bus
// grants it and TLM transactions elsewhere (MMIO). Time is loosely timed:
// CPI x clock per instruction plus each data access's latency, synchronised
// with a tlm_quantumkeeper once per quantum. `wfi` syncs and sleeps until an
// interrupt line rises. The core implements DebugTarget and stops for a
// DebugHook (breakpoints, single step, Ctrl-C); it knows nothing of sockets.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/common/tracer.h"

#include "models/cpu/debug_target.h"

namespace loomvp {

struct Rv32Config {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  // Every instruction costs this many clocks; a load or store adds the
  // latency of its memory access (DMI latency or the transaction's delay).
  uint32_t cycles_per_instruction = 1;
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
  bool use_dmi = true;
  uint64_t max_instructions = 0;  // 0: no limit
  uint32_t reset_pc = 0;
  uint32_t hart_id = 0;
};

class Rv32Cpu : public sc_core::sc_module, public DebugTarget {
 public:
  tlm_utils::simple_initiator_socket<Rv32Cpu> socket;
  // Interrupt lines, level-sensitive, each mirrored in mip. All three must be
  // bound (bind a signal that stays false for a line the SoC does not have).
  sc_core::sc_in<bool> timer_irq;     // mip.MTIP
  sc_core::sc_in<bool> external_irq;  // mip.MEIP
  sc_core::sc_in<bool> software_irq;  // mip.MSIP

  Rv32Cpu(sc_core::sc_module_name name, const Rv32Config& config);
  ~Rv32Cpu() override;

  // HTIF convention: a store of a non-zero value to this address ends the run
  // (value 1 = pass; odd v = failure code v >> 1). Unset: no tohost.
  void set_tohost(uint64_t address);
  void set_debug_hook(DebugHook* hook);  // nullptr: no debugger
  // Forget decoded instructions in [start, end] after a backdoor write there.
  void invalidate_decoded(uint64_t start, uint64_t end);

  enum class Halt {
    Running,           // not stopped (or still sleeping in WFI with events pending)
    ToHost,            // the program stored to tohost
    InstructionLimit,  // max_instructions retired
    Deadlock,          // WFI with nothing that could ever wake the core
    DoubleFault,       // a trap while entering the trap handler (bad mtvec)
    Killed,            // the debugger killed the program
  };
  // Deadlock is also reported when the simulation ran out of events while
  // the core slept in WFI.
  Halt halt_reason() const;
  std::string halt_message() const;  // one line explaining the halt
  uint32_t tohost_value() const { return tohost_value_; }
  const sc_core::sc_event& halted_event() const { return halted_event_; }

  uint64_t instructions_retired() const { return instret_; }
  uint64_t cycles() const;  // CPU-local time since reset / clock period (mcycle without software writes)
  sc_core::sc_time time_in_wfi() const { return time_in_wfi_; }
  void set_tracer(Tracer* tracer) { tracer_ = tracer; }  // wfi sleeps; null: no trace
  uint64_t interrupts_taken() const { return interrupts_taken_; }
  uint64_t bus_errors() const { return bus_errors_; }
  uint32_t pc() const { return pc_; }
  // The CPU's own notion of now: kernel time plus its decoupled local time
  // (after a halt: the time it halted).
  sc_core::sc_time current_time() const;

  // DebugTarget
  unsigned register_count() const override { return 33; }
  uint32_t read_register(unsigned index) const override;
  void write_register(unsigned index, uint32_t value) override;
  bool read_memory(uint64_t address, uint8_t* data, size_t length) override;
  bool write_memory(uint64_t address, const uint8_t* data, size_t length) override;
  void insert_breakpoint(uint64_t address) override;
  void remove_breakpoint(uint64_t address) override;

 private:
  // Decoded form of one instruction.
  struct Decoded {
    uint8_t op;  // Op in rv32_cpu.cpp
    uint8_t rd, rs1, rs2;  // rd 0 is stored as 32, a sink register
    int32_t imm;  // immediate; CSR number for CSR ops; the raw bits for illegal ones
  };
  static Decoded decode(uint32_t raw);
  struct DecodedPage;
  struct DmiRegion {
    uint64_t start, end;  // inclusive
    uint8_t* host;
    uint64_t read_latency_units, write_latency_units;
  };
  // The fast path of loads and stores: 64 KiB blocks of DMI regions in a
  // small direct-mapped table (one for reads, one for writes).
  struct DmiBlock {
    uint64_t tag;  // address >> kDmiBlockBits
    uint8_t* host;  // the block's first byte
    uint64_t latency_units;
  };
  static constexpr unsigned kDmiBlockBits = 16, kDmiBlocks = 64;
  static constexpr uint32_t kDmiBlockBytes = 1u << kDmiBlockBits;
  static constexpr uint64_t kNoBlock = ~0ull;
  static constexpr unsigned kPageBits = 12;  // decoded pages of 4 KiB
  static constexpr uint32_t kPageBytes = 1u << kPageBits;
  static constexpr uint32_t kNoTohost = 0xFFFFFFFFu;  // never equals an aligned address

  SC_HAS_PROCESS(Rv32Cpu);
  void run();
  void run_batch();
  void update_irq_lines();
  void read_irq_lines();

  // Time: local_units_ plus CPI for every instruction retired in this batch.
  uint64_t local_now() const;
  void fold_local_time();
  void sync_time();
  void add_latency(uint64_t units);

  DecodedPage* page_for(uint32_t address);
  void forget_decoded_word(uint32_t address);

  template <unsigned Size> bool load(uint32_t address, uint32_t& value);
  template <unsigned Size> bool store(uint32_t address, uint32_t value);
  bool fault(uint32_t cause, uint32_t address);
  bool slow_access(tlm::tlm_command command, uint32_t address, unsigned size, uint8_t* data);
  bool fetch_word(uint32_t address, uint32_t& raw);
  bool debug_transport(tlm::tlm_command command, uint64_t address, uint8_t* data, size_t length);
  const DmiRegion* find_dmi(uint32_t address, unsigned size);
  bool request_dmi(uint32_t address);
  void forget_fast_regions();
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  uint32_t raise(uint32_t cause, uint32_t tval, uint32_t epc);  // returns the next pc
  uint32_t illegal(uint32_t pc);
  uint32_t take_trap(uint32_t cause, uint32_t tval, uint32_t epc);
  bool csr_read(uint32_t csr, uint32_t& value);
  void csr_write(uint32_t csr, uint32_t value);
  void request_interrupt_check();
  void check_interrupts();
  void wait_for_interrupt();
  void halt(Halt reason, const std::string& detail);
  void debug_stop(StopReason reason);

  Rv32Config config_;
  uint64_t cpi_units_;  // one instruction's time in sc_time resolution units
  tlm_utils::tlm_quantumkeeper quantum_keeper_;
  tlm::tlm_generic_payload payload_;
  std::map<uint64_t, DmiRegion> dmi_regions_;  // by start address
  std::array<DmiBlock, kDmiBlocks> read_blocks_, write_blocks_;

  // Architectural state.
  uint32_t x_[33] = {};  // x0..x31, then a sink that decoded writes to x0 go to
  uint32_t pc_ = 0;
  uint32_t mstatus_ = 0, mie_ = 0, mip_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0, mcause_ = 0, mtval_ = 0;
  uint64_t instret_ = 0;
  uint64_t instret_offset_ = 0;  // minstret = instret_ + offset (software writes)
  uint64_t cycle_offset_ = 0;    // mcycle = elapsed cycles + offset

  // Run state.
  uint64_t local_units_ = 0;  // time not yet handed to the quantum keeper, at batch_start_instret_
  uint64_t batch_start_instret_ = 0;
  uint64_t batch_end_units_ = 0;  // local time at which the batch ends (next quantum boundary)
  uint64_t batch_stop_instret_ = 0;
  uint32_t fault_cause_ = 0, fault_tval_ = 0;  // set by a failing load/store
  uint64_t traps_ = 0;
  uint64_t last_exception_instret_ = ~0ull;  // double-fault detection
  bool irq_check_ = true;  // interrupt state changed since the last check
  bool wfi_pending_ = false;
  bool bus_write_since_sync_ = false;
  bool in_wfi_ = false;
  bool halt_after_instruction_ = false;
  Halt halt_ = Halt::Running;
  bool stopped_ = false;  // the run thread has ended
  sc_core::sc_time stop_time_;
  std::string halt_detail_;
  uint32_t tohost_ = kNoTohost;
  uint32_t tohost_value_ = 0;
  sc_core::sc_event halted_event_;
  sc_core::sc_event irq_event_;
  sc_core::sc_time time_in_wfi_;
  Tracer* tracer_ = nullptr;
  uint64_t interrupts_taken_ = 0;
  uint64_t bus_errors_ = 0;

  // Debugging.
  DebugHook* debug_hook_ = nullptr;
  std::vector<uint32_t> breakpoints_;
  bool stepping_ = false;
  uint32_t resume_pc_ = kNoTohost;  // a breakpoint to step over, valid while instret_ == resume_instret_
  uint64_t resume_instret_ = 0;

  // Decoded pages: a two-level table over the 32-bit address space.
  std::array<std::unique_ptr<std::array<std::unique_ptr<DecodedPage>, 1024>>, 1024> pages_;
};

}  // namespace loomvp
