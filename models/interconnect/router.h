// Address-decoding interconnect. Each target port is a link of
// `bytes_per_cycle` per clock that initiators arbitrate for (first come, first
// served in simulated time): a transfer costs beats x clock period on it, plus
// a fixed latency each way. Bytes, transactions and arbitration wait are
// counted per initiator. An unmapped address gets TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "models/common/bandwidth_resource.h"

namespace loomvp {

struct RouterConfig {
  uint32_t bytes_per_cycle = 16;
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  uint32_t latency_cycles = 2;  // each way, request and response
};

struct InitiatorStats {
  std::string name;
  uint64_t transactions = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t decode_errors = 0;
  sc_core::sc_time arbitration_wait;  // time spent waiting for a busy link
};

class Router : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> target_socket;        // initiators bind here
  tlm_utils::multi_passthrough_initiator_socket<Router> initiator_socket;  // targets bind here

  Router(sc_core::sc_module_name name, const RouterConfig& config);

  // Bind an initiator; its index in the statistics is the binding order.
  void connect_initiator(tlm::tlm_initiator_socket<>& socket, const std::string& name);
  // Bind a target and map [base, base + size) to it.
  void connect_target(tlm::tlm_target_socket<>& socket, const std::string& name, uint64_t base,
                      uint64_t size);

  const std::vector<InitiatorStats>& initiator_stats() const { return initiators_; }

 private:
  struct Region {
    std::string name;
    uint64_t base;
    uint64_t size;
    BandwidthResource link;
  };

  Region* decode(uint64_t address, uint64_t length);
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

  RouterConfig config_;
  sc_core::sc_time latency_;
  std::vector<Region> regions_;  // index = initiator_socket port
  std::vector<InitiatorStats> initiators_;
};

}  // namespace loomvp
