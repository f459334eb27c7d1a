#include "traffic_generator.h"

#include <algorithm>
#include <cmath>

#include "models/common/burst_payload.h"

namespace loomvp {

using sc_core::sc_time;

double TrafficStats::achieved_gb_per_s() const {
  const double ns = (last_done - first_issue).to_seconds() * 1e9;
  return ns > 0 ? double(bytes) / ns : 0.0;
}

double TrafficStats::mean_latency_ns() const {
  return bursts ? latency_total.to_seconds() * 1e9 / double(bursts) : 0.0;
}

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, const TrafficConfig& config)
    : sc_module(name), socket("socket"), config_(config), rng_state_(config.seed), buffer_(config.burst_bytes) {
  SC_HAS_PROCESS(TrafficGenerator);
  if (config_.enabled) SC_THREAD(run);
}

uint64_t TrafficGenerator::next_address(uint64_t burst) {
  const uint64_t slots = std::max<uint64_t>(1, config_.window_bytes / config_.burst_bytes);
  if (!config_.random) return config_.window_base + burst % slots * config_.burst_bytes;
  // splitmix64: deterministic for a seed, independent of the host.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return config_.window_base + (z ^ (z >> 31)) % slots * config_.burst_bytes;
}

void TrafficGenerator::run() {
  // Burst k is offered at k * burst_bytes / bandwidth; it issues then, or
  // when a slot of the in-flight window frees, whichever is later.
  const double interval_ps = config_.burst_bytes * 1000.0 / config_.bandwidth_gb_per_s;
  std::vector<sc_time> slot_done(std::max<uint32_t>(1, config_.max_outstanding), sc_core::SC_ZERO_TIME);
  const sc_time start = sc_core::sc_time_stamp();
  sc_time issue = start;
  tlm::tlm_generic_payload payload;
  for (uint64_t burst = 0; config_.total_bytes == 0 || stats_.bytes < config_.total_bytes; ++burst) {
    const sc_time offered = start + sc_time::from_value(static_cast<uint64_t>(std::llround(burst * interval_ps)));
    sc_time& slot = slot_done[burst % slot_done.size()];
    issue = std::max({issue, offered, slot});
    if (issue - sc_core::sc_time_stamp() >= config_.quantum) {
      // Unbounded traffic must not keep an otherwise finished (or hung)
      // simulation alive: stop once nothing else is left to happen.
      if (config_.total_bytes == 0 && !sc_core::sc_pending_activity()) return;
      sc_core::wait(issue - sc_core::sc_time_stamp());
    }
    const uint64_t length = config_.total_bytes ? std::min<uint64_t>(config_.burst_bytes, config_.total_bytes - stats_.bytes)
                                                : config_.burst_bytes;
    prepare_burst(payload, tlm::TLM_READ_COMMAND, next_address(burst), buffer_.data(), length);
    sc_time delay = issue - sc_core::sc_time_stamp();
    socket->b_transport(payload, delay);
    slot = sc_core::sc_time_stamp() + delay;
    if (stats_.bursts == 0) stats_.first_issue = issue;
    if (payload.is_response_error()) {  // a window outside DRAM: stop, counted
      ++stats_.errors;
      return;
    }
    ++stats_.bursts;
    stats_.bytes += length;
    stats_.last_done = std::max(stats_.last_done, slot);
    stats_.latency_total += slot - issue;
    stats_.latency_max = std::max(stats_.latency_max, slot - issue);
  }
}

}  // namespace loomvp
