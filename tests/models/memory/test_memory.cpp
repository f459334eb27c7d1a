#include <catch2/catch.hpp>

#include <vector>

#include "models/memory/memory.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

TEST_CASE("sparse storage allocates only touched pages and reads zeros elsewhere") {
  SparseStorage storage(1ull << 30);
  CHECK(storage.allocated_bytes() == 0);
  uint8_t out[4] = {1, 1, 1, 1};
  storage.read(123456789, out, 4);
  CHECK(out[0] == 0);
  CHECK(storage.allocated_bytes() == 0);

  // A write straddling a page boundary lands in two pages, intact.
  std::vector<uint8_t> data(100);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i + 1);
  const uint64_t address = SparseStorage::kPageBytes - 50;
  storage.write(address, data.data(), data.size());
  CHECK(storage.allocated_bytes() == 2 * SparseStorage::kPageBytes);
  std::vector<uint8_t> back(100);
  storage.read(address, back.data(), back.size());
  CHECK(back == data);
  CHECK(storage.contains((1ull << 30) - 4, 4));
  CHECK_FALSE(storage.contains((1ull << 30) - 3, 4));
}

TEST_CASE("DRAM charges latency plus beats - queues a second transfer - and refuses out-of-range access") {
  MemoryConfig config;  // 1 GiB, 100 ns, 32 B per 2.5 ns beat (12.8 GB/s)
  Memory dram("dram", config);
  test::TestInitiator cpu("cpu");
  cpu.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);

  std::vector<uint8_t> data(64, 0xAB), back(64);
  sc_time delay = sc_core::SC_ZERO_TIME;
  REQUIRE(cpu.transport(tlm::TLM_WRITE_COMMAND, 0x1000, data.data(), 64, delay) == tlm::TLM_OK_RESPONSE);
  CHECK(delay == sc_time(105, SC_NS));  // 2 beats x 2.5 ns + 100 ns

  // Issued at the same time: waits for the channel (5 ns), then its own 5 ns.
  delay = sc_core::SC_ZERO_TIME;
  REQUIRE(cpu.transport(tlm::TLM_READ_COMMAND, 0x1000, back.data(), 64, delay) == tlm::TLM_OK_RESPONSE);
  CHECK(delay == sc_time(110, SC_NS));
  CHECK(back == data);
  CHECK(dram.stats().queue_wait == sc_time(5, SC_NS));
  CHECK(dram.stats().bytes_read == 64);
  CHECK(dram.stats().bytes_written == 64);

  // 10 bytes still occupy a whole beat.
  delay = sc_time(1, sc_core::SC_US);
  REQUIRE(cpu.transport(tlm::TLM_READ_COMMAND, 0x0, back.data(), 10, delay) == tlm::TLM_OK_RESPONSE);
  CHECK(delay == sc_time(1000 + 2.5 + 100, SC_NS));

  delay = sc_core::SC_ZERO_TIME;
  CHECK(cpu.transport(tlm::TLM_READ_COMMAND, (1ull << 30) - 2, back.data(), 4, delay) ==
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(cpu.transport(tlm::TLM_READ_COMMAND, 1ull << 31, back.data(), 4, delay) ==
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(dram.host_bytes_allocated() == SparseStorage::kPageBytes);
}

TEST_CASE("DRAM grants DMI per page with the access latency - and the backdoor sees DMI writes") {
  MemoryConfig config;
  Memory dram("dram", config);
  test::TestInitiator cpu("cpu");
  cpu.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);

  tlm::tlm_generic_payload request;
  request.set_address(SparseStorage::kPageBytes + 8);
  tlm::tlm_dmi dmi;
  REQUIRE(cpu.socket->get_direct_mem_ptr(request, dmi));
  CHECK(dmi.get_start_address() == SparseStorage::kPageBytes);
  CHECK(dmi.get_end_address() == 2 * SparseStorage::kPageBytes - 1);
  CHECK(dmi.get_read_latency() == sc_time(102.5, SC_NS));  // latency + one beat
  dmi.get_dmi_ptr()[8] = 0x5A;
  uint8_t byte = 0;
  REQUIRE(dram.backdoor_read(SparseStorage::kPageBytes + 8, &byte, 1));
  CHECK(byte == 0x5A);
  CHECK_FALSE(dram.backdoor_read(1ull << 30, &byte, 1));
}

// Bank timing (dram.bank_timing): 2 banks of 2 KiB rows, tRCD = tRP = 18 ns,
// default channel (64 B = 5 ns) and 100 ns latency. Times worked out by hand.
TEST_CASE("DRAM bank timing: activate on an empty bank, row hits, precharge + activate on a conflict") {
  MemoryConfig config;
  config.bank_timing.enabled = true;
  config.bank_timing.banks = 2;
  config.bank_timing.row_bytes = 2048;
  Memory dram("dram", config);
  test::TestInitiator cpu("cpu");
  cpu.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> buffer(64);
  const auto read_at = [&](uint64_t address, double arrival_ns) {
    sc_time delay(arrival_ns, SC_NS);
    REQUIRE(cpu.transport(tlm::TLM_READ_COMMAND, address, buffer.data(), 64, delay) == tlm::TLM_OK_RESPONSE);
    return delay.to_seconds() * 1e9;
  };
  // Bank 0 empty: activate 0..18, data 18..23, + 100.
  CHECK(read_at(0, 0) == Approx(123));
  // Same row (bank 0, row 0): a hit, data 23..28 after the first.
  CHECK(read_at(64, 0) == Approx(128));
  // Address 2048: bank 1 (empty), activate 0..18, data waits for the channel 28..33.
  CHECK(read_at(2048, 0) == Approx(133));
  // Address 4096: bank 0, row 1 - a conflict: precharge after bank 0's last
  // transfer (28), + 18 + 18 -> data 64..69, + 100.
  CHECK(read_at(4096, 0) == Approx(169));
  // Row 0 of bank 0 again, arriving at 500 ns: another conflict, 500 + 36 + 5 + 100.
  CHECK(read_at(128, 500) == Approx(641));
  CHECK(dram.bank_stats().row_hits == 1);
  CHECK(dram.bank_stats().row_empty == 2);
  CHECK(dram.bank_stats().row_conflicts == 2);
}

TEST_CASE("DRAM without bank timing: every access is a row hit (no bank statistics)") {
  Memory dram("dram", MemoryConfig{});
  test::TestInitiator cpu("cpu");
  cpu.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> buffer(64);
  sc_time delay = sc_core::SC_ZERO_TIME;
  REQUIRE(cpu.transport(tlm::TLM_READ_COMMAND, 4096, buffer.data(), 64, delay) == tlm::TLM_OK_RESPONSE);
  CHECK(delay == sc_time(105, SC_NS));
  CHECK(dram.bank_stats().row_empty == 0);
}
