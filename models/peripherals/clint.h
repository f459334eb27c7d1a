// Core-local interruptor (CLINT, SiFive register layout, one hart): a 64-bit
// mtime counting at a fixed timebase, mtimecmp raising the machine timer
// interrupt while mtime >= mtimecmp, and msip raising the machine software
// interrupt. Offsets in firmware/include/soc_map.h.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/register_bank.h"

namespace loomvp {

struct ClintConfig {
  sc_core::sc_time tick_period = sc_core::sc_time(100, sc_core::SC_NS);  // 10 MHz timebase
};

class Clint : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Clint> socket;
  sc_core::sc_out<bool> timer_irq;
  sc_core::sc_out<bool> software_irq;

  Clint(sc_core::sc_module_name name, const ClintConfig& config);

  // mtime at simulated time `now`.
  uint64_t mtime_at(const sc_core::sc_time& now) const;

 private:
  SC_HAS_PROCESS(Clint);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void write_mtime(uint64_t value);
  // Drives both outputs for the current time and schedules the next change.
  void update_outputs();

  ClintConfig config_;
  RegisterBank regs_;
  uint64_t mtimecmp_ = ~uint64_t(0);
  uint64_t mtime_offset_ = 0;  // mtime = ticks since time 0 + offset
  sc_core::sc_time access_time_;  // the guest's notion of now during an access
  sc_core::sc_event update_event_;
};

}  // namespace loomvp
