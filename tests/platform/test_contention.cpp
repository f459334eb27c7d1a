// The traffic generator in the SoC (platform/soc.cpp): a run with it on
// still computes bit-exact outputs, the generator reads from the top of DRAM
// at about its offered rate, and every byte the DRAM served is accounted for
// by the two DRAM initiators (Loom DMA + traffic), counted independently by
// the router, the DRAM and the generator.
#include <catch2/catch.hpp>

#include "firmware/include/loom_regs.h"
#include "platform/runner.h"

using namespace loomvp;

TEST_CASE("contention: tiny-resnet with 3.2 GB/s of random traffic stays exact and accounts for every DRAM byte") {
  RunOptions options;
  options.workload = "tiny-resnet";
  options.overrides = {"traffic.enabled=true", "traffic.pattern=random", "traffic.bandwidth_gb_per_s=3.2",
                       "simulation.quantum_ns=100"};
  const RunResult r = run_workload(options);
  CHECK(r.passed());
  REQUIRE(r.traffic.has_value());
  CHECK(r.traffic->errors == 0);
  CHECK(r.traffic->bursts > 0);
  CHECK(r.traffic->bytes == r.traffic->bursts * 64);
  // Offered 3.2 GB/s with the DRAM mostly free: it gets (nearly) all of it.
  CHECK(r.traffic->achieved_gb_per_s() <= 3.2 * 1.01);
  CHECK(r.traffic->achieved_gb_per_s() >= 3.2 * 0.9);
  CHECK(r.traffic->mean_latency_ns() >= 113);  // never below the idle round trip

  uint64_t loom_read = 0, traffic_read = 0;
  for (const InitiatorStats& s : r.initiators) {
    if (s.name == "loom_dma") loom_read = s.bytes_read;
    if (s.name == "traffic") traffic_read = s.bytes_read;
  }
  CHECK(traffic_read == r.traffic->bytes);
  // Loom's initiator also fetched one chain descriptor per layer, from SRAM.
  const uint64_t descriptor_read = r.layers.size() * LOOM_DESC_BYTES;
  CHECK(r.dram_stats.bytes_read == loom_read - descriptor_read + traffic_read);
  uint64_t layer_read = 0;
  for (const LayerResult& l : r.layers) layer_read += l.record.dram_bytes_read;
  CHECK(loom_read - descriptor_read == layer_read);
}

TEST_CASE("contention: without traffic.enabled there is no traffic initiator") {
  RunOptions options;
  options.workload = "tiny-conv";
  const RunResult r = run_workload(options);
  CHECK(r.passed());
  CHECK_FALSE(r.traffic.has_value());
  for (const InitiatorStats& s : r.initiators) CHECK(s.name != "traffic");
}
