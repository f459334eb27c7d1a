#include <catch2/catch.hpp>

#include <vector>

#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

// Two initiators, one memory at 0x1000_0000 whose channel (64 B per ns) is
// faster than the 16 B/cycle link, so the link is what they contend for.
struct Bench {
  RouterConfig router_config;  // 16 B/cycle, 1 ns, 2 cycles each way
  MemoryConfig memory_config;
  Router router{"router", router_config};
  Memory memory{"mem", fast_memory()};
  test::TestInitiator a{"a"}, b{"b"};

  static MemoryConfig fast_memory() {
    MemoryConfig m;
    m.size_bytes = 1 << 20;
    m.latency = sc_time(10, SC_NS);
    m.bytes_per_beat = 64;
    m.beat_time = sc_time(1, SC_NS);
    return m;
  }
  Bench() {
    router.connect_initiator(a.socket, "a");
    router.connect_initiator(b.socket, "b");
    router.connect_target(memory.socket, "mem", 0x10000000, 1 << 20);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

}  // namespace

TEST_CASE("router: a transfer costs beats x period plus latency - a second initiator waits for the link") {
  Bench bench;
  std::vector<uint8_t> buffer(64);
  sc_time delay_a = sc_core::SC_ZERO_TIME, delay_b = sc_core::SC_ZERO_TIME;
  REQUIRE(bench.a.transport(tlm::TLM_WRITE_COMMAND, 0x10000000, buffer.data(), 64, delay_a) == tlm::TLM_OK_RESPONSE);
  REQUIRE(bench.b.transport(tlm::TLM_READ_COMMAND, 0x10000040, buffer.data(), 64, delay_b) == tlm::TLM_OK_RESPONSE);
  // a: link 0-4 ns (4 beats), +2 -> memory 6-7 ns, +10 latency, +2 back = 19 ns.
  CHECK(delay_a == sc_time(19, SC_NS));
  // b: waits for the link until 4 ns, then the same path: 23 ns.
  CHECK(delay_b == sc_time(23, SC_NS));

  const auto& stats = bench.router.initiator_stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].name == "a");
  CHECK(stats[0].bytes_written == 64);
  CHECK(stats[0].arbitration_wait == sc_core::SC_ZERO_TIME);
  CHECK(stats[1].bytes_read == 64);
  CHECK(stats[1].arbitration_wait == sc_time(4, SC_NS));

  // Later arrivals find the link free again.
  sc_time later = sc_time(100, SC_NS);
  bench.a.transport(tlm::TLM_READ_COMMAND, 0x10000000, buffer.data(), 16, later);
  CHECK(later == sc_time(100 + 1 + 2 + 1 + 10 + 2, SC_NS));
}

TEST_CASE("router: unmapped addresses and accesses crossing a region end get a decode error") {
  Bench bench;
  uint32_t word = 0;
  sc_time delay = sc_core::SC_ZERO_TIME;
  CHECK(bench.a.transport(tlm::TLM_READ_COMMAND, 0x20000000, &word, 4, delay) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bench.a.transport(tlm::TLM_READ_COMMAND, 0x10000000 + (1 << 20) - 2, &word, 4, delay) ==
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bench.router.initiator_stats()[0].decode_errors == 2);
  CHECK(bench.router.initiator_stats()[0].transactions == 0);
}

TEST_CASE("router: DMI translates addresses and charges the same time as the bus path") {
  Bench bench;
  uint32_t value = 0x12345678, back = 0;
  sc_time bus_delay = sc_core::SC_ZERO_TIME;
  bench.a.transport(tlm::TLM_READ_COMMAND, 0x10000100, &back, 4, bus_delay);

  tlm::tlm_generic_payload request;
  request.set_address(0x10000100);
  tlm::tlm_dmi dmi;
  REQUIRE(bench.a.socket->get_direct_mem_ptr(request, dmi));
  CHECK(dmi.get_start_address() == 0x10000000);
  CHECK(dmi.get_read_latency() == bus_delay);

  std::memcpy(dmi.get_dmi_ptr() + 0x100, &value, 4);
  sc_time delay = sc_time(1, sc_core::SC_US);
  bench.a.transport(tlm::TLM_READ_COMMAND, 0x10000100, &back, 4, delay);
  CHECK(back == value);
}
