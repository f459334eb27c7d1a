// A traffic generator initiator standing for the rest of the SoC (display,
// camera, CPU cache refills): it reads bursts of `burst_bytes` from a window
// of DRAM at an offered rate of `bandwidth_gb_per_s`, sequentially or at
// seeded random burst-aligned addresses, with at most `max_outstanding` bursts
// in flight. Each burst is a real TLM transaction, so it contends with the
// accelerator's DMA on the interconnect and the DRAM channel. It only reads,
// so it never disturbs the workload's data. Time is kept as a local offset
// and synchronised every quantum, like the DMA engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace loomvp {

struct TrafficConfig {
  bool enabled = false;
  double bandwidth_gb_per_s = 1.6;  // offered rate (GB/s = bytes/ns)
  uint32_t burst_bytes = 64;
  bool random = false;              // pattern: false sequential, true random
  uint64_t seed = 1;                // random pattern only
  uint32_t max_outstanding = 16;
  uint64_t window_base = 0;         // bus address of the window it reads
  uint64_t window_bytes = 16 << 20;
  uint64_t total_bytes = 0;         // stop after this many; 0 = while the SoC is busy
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
};

struct TrafficStats {
  uint64_t bursts = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;                 // an error response (the generator stops)
  sc_core::sc_time first_issue;        // of the first burst
  sc_core::sc_time last_done;          // completion of the last burst
  sc_core::sc_time latency_total;      // sum over bursts of completion - issue
  sc_core::sc_time latency_max;
  double achieved_gb_per_s() const;    // bytes / (last_done - first_issue)
  double mean_latency_ns() const;
};

class TrafficGenerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TrafficGenerator> socket;

  TrafficGenerator(sc_core::sc_module_name name, const TrafficConfig& config);

  const TrafficStats& stats() const { return stats_; }
  const TrafficConfig& config() const { return config_; }

 private:
  void run();
  uint64_t next_address(uint64_t burst);

  TrafficConfig config_;
  TrafficStats stats_;
  uint64_t rng_state_;
  std::vector<uint8_t> buffer_;
};

}  // namespace loomvp
