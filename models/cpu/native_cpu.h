// Host-compiled CPU model: runs firmware C code natively inside an SC_THREAD.
// Every load and store the firmware makes through mmio.h becomes a TLM
// transaction on the bus (or a DMI access where granted), time is kept with a
// quantum keeper, and waiting for an interrupt synchronises and then sleeps
// until the interrupt line rises.
#pragma once

#include <cstdint>
#include <functional>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/common/tracer.h"

namespace loomvp {

struct NativeCpuConfig {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
  bool use_dmi = true;
};

class NativeCpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<NativeCpu> socket;
  sc_core::sc_in<bool> irq;

  // `firmware` is the entry point, run once from the CPU's thread.
  NativeCpu(sc_core::sc_module_name name, const NativeCpuConfig& config, std::function<int()> firmware);

  uint32_t read32(uint32_t address);
  void write32(uint32_t address, uint32_t value);
  void wait_for_interrupt();

  // The CPU's own notion of now: kernel time plus its decoupled local time.
  sc_core::sc_time current_time() const { return sc_core::sc_time_stamp() + quantum_keeper_.get_local_time(); }
  uint64_t bus_errors() const { return bus_errors_; }
  bool finished() const { return finished_; }
  void set_tracer(Tracer* tracer) { tracer_ = tracer; }  // driver run and interrupt waits; null: no trace

 private:
  SC_HAS_PROCESS(NativeCpu);
  void run();
  void access(tlm::tlm_command command, uint32_t address, uint32_t& value);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  NativeCpuConfig config_;
  std::function<int()> firmware_;
  tlm_utils::tlm_quantumkeeper quantum_keeper_;
  tlm::tlm_generic_payload payload_;
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;
  uint64_t bus_errors_ = 0;
  bool finished_ = false;
  Tracer* tracer_ = nullptr;
};

}  // namespace loomvp
