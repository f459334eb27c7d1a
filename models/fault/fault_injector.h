// Fault injection between the interconnect and a memory (platform key
// `fault.*`, docs/errors.md): accesses touching one address range are
// answered with an error response, have bits flipped in the data they read,
// or stall the bus once for a given time. Inserted by the platform only when
// a fault is configured, so a normal run has no extra hop.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace loomvp {

enum class FaultMode { None, Error, Flip, Stall };

struct FaultConfig {
  FaultMode mode = FaultMode::None;
  uint64_t offset = 0;      // start of the faulty range, relative to the memory
  uint64_t size_bytes = 0;  // length of the range
  uint8_t flip_mask = 1;    // Flip: XORed into every byte read from the range
  sc_core::sc_time stall;   // Stall: added once, to the first access in the range
};

struct FaultStats {
  uint64_t errors = 0;          // accesses answered with an error response
  uint64_t flipped_bytes = 0;   // bytes read with bits flipped
  uint64_t stalls = 0;          // stalls applied (0 or 1)
};

class FaultInjector : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<FaultInjector> target_socket;        // from the interconnect
  tlm_utils::simple_initiator_socket<FaultInjector> initiator_socket;  // to the memory

  FaultInjector(sc_core::sc_module_name name, const FaultConfig& config);

  const FaultStats& stats() const { return stats_; }

 private:
  bool hits(const tlm::tlm_generic_payload& trans) const;
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void flip(tlm::tlm_generic_payload& trans);  // XORs flip_mask into the bytes read from the range
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);

  FaultConfig config_;
  FaultStats stats_;
};

}  // namespace loomvp
