// A memory TLM target (DRAM or on-chip SRAM): sparse storage, a fixed access
// latency, and a data channel of limited bandwidth shared by all initiators.
// Addresses arriving here are local (the router subtracts the base).
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/bandwidth_resource.h"
#include "models/memory/dram_banks.h"
#include "models/memory/sparse_storage.h"

namespace loomvp {

struct MemoryConfig {
  uint64_t size_bytes = 1ull << 30;
  sc_core::sc_time latency = sc_core::sc_time(100, sc_core::SC_NS);
  uint32_t bytes_per_beat = 32;                                 // data channel width
  sc_core::sc_time beat_time = sc_core::sc_time(2500, sc_core::SC_PS);  // 12.8 GB/s
  bool dmi_allowed = true;
  DramBankConfig bank_timing;  // off: every access is a row hit
};

struct MemoryStats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t transactions = 0;
  sc_core::sc_time queue_wait;  // time transfers waited for the busy channel
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> socket;

  Memory(sc_core::sc_module_name name, const MemoryConfig& config);

  // Backdoor access for loaders and checkers: no time, no statistics.
  // Returns false when the range is outside the memory.
  bool backdoor_write(uint64_t address, const void* src, uint64_t length);
  bool backdoor_read(uint64_t address, void* dst, uint64_t length) const;

  const MemoryStats& stats() const { return stats_; }
  const DramBankStats& bank_stats() const { return banks_.stats(); }
  uint64_t host_bytes_allocated() const { return storage_.allocated_bytes(); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  bool check_payload(tlm::tlm_generic_payload& trans) const;

  MemoryConfig config_;
  SparseStorage storage_;
  BandwidthResource channel_;
  DramBanks banks_;
  MemoryStats stats_;
};

}  // namespace loomvp
