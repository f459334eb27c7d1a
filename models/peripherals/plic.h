// Platform-level interrupt controller (PLIC, standard register layout, one
// context: hart 0 machine mode). Each source is a level-sensitive line; its
// gateway raises PENDING while the line is high and the source is not being
// served (claimed and not yet completed). The external interrupt output is
// high while any enabled pending source has a priority above THRESHOLD.
// Offsets in firmware/include/soc_map.h, behaviour in docs/register-map.md.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/register_bank.h"

namespace loomvp {

class Plic : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Plic> socket;
  // sources[i] is interrupt id i + 1 (id 0 means "none").
  sc_core::sc_vector<sc_core::sc_in<bool>> sources;
  sc_core::sc_out<bool> external_irq;

  // `source_count` lines, ids 1..source_count (at most PLIC_SOURCES - 1).
  Plic(sc_core::sc_module_name name, unsigned source_count);

  uint32_t pending() const { return pending_; }

 private:
  SC_HAS_PROCESS(Plic);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // The enabled pending source of highest priority above THRESHOLD, or 0.
  uint32_t best_source() const;
  uint32_t claim();
  void complete(uint32_t id);
  // Samples the lines into PENDING and drives the output.
  void update();

  RegisterBank regs_;
  uint32_t pending_ = 0;    // bit i: id i pending
  uint32_t in_service_ = 0; // bit i: id i claimed, not yet completed
  sc_core::sc_event update_event_;
};

}  // namespace loomvp
