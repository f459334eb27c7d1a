#include <catch2/catch.hpp>

#include <cstring>

#include "models/common/register_bank.h"

using namespace loomvp;

namespace {

RegisterBank make_bank(uint32_t& last_write, int& writes) {
  RegisterBank bank;
  bank.add({"ID", 0x0, 0xCAFE, RegAccess::ReadOnly, 0, nullptr, nullptr});
  bank.add({"CTRL", 0x4, 0x100, RegAccess::ReadWrite, 0x0000FF00u, [&](uint32_t v) { last_write = v; ++writes; }, nullptr});
  bank.add({"IRQ", 0x8, 0x5, RegAccess::WriteOneToClear, 0xFu, nullptr, nullptr});
  bank.add({"LIVE", 0xC, 0, RegAccess::ReadOnly, 0, nullptr, [] { return 42u; }});
  return bank;
}

}  // namespace

TEST_CASE("registers start at their reset values and honour access rights") {
  uint32_t last = 0;
  int writes = 0;
  RegisterBank bank = make_bank(last, writes);
  uint32_t v = 0;
  REQUIRE(bank.read(0x0, v) == tlm::TLM_OK_RESPONSE);
  CHECK(v == 0xCAFE);
  CHECK(bank.write(0x0, 1) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  bank.read(0x0, v);
  CHECK(v == 0xCAFE);

  // Only the write mask's bits are stored; the callback sees what was written.
  CHECK(bank.write(0x4, 0xFFFFAB01u) == tlm::TLM_OK_RESPONSE);
  CHECK(bank.get(0x4) == 0x0000AB00u);
  CHECK(last == 0xFFFFAB01u);
  CHECK(writes == 1);

  // Write one to clear: bit 0 cleared, bit 2 kept.
  bank.write(0x8, 0x1);
  CHECK(bank.get(0x8) == 0x4);

  bank.read(0xC, v);
  CHECK(v == 42);
  CHECK(bank.read(0x10, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bank.write(0x10, 0) == tlm::TLM_ADDRESS_ERROR_RESPONSE);

  bank.set(0x8, 0xF);
  bank.reset();
  CHECK(bank.get(0x8) == 0x5);
  CHECK(bank.get(0x4) == 0x100);
}

TEST_CASE("register payloads of the wrong size or alignment get a burst error") {
  uint32_t last = 0;
  int writes = 0;
  RegisterBank bank = make_bank(last, writes);
  tlm::tlm_generic_payload trans;
  uint8_t data[8] = {};
  trans.set_data_ptr(data);
  trans.set_command(tlm::TLM_READ_COMMAND);
  trans.set_data_length(8);
  trans.set_streaming_width(8);
  bank.transport(trans, 0x0);
  CHECK(trans.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE);

  trans.set_data_length(4);
  trans.set_streaming_width(4);
  bank.transport(trans, 0x2);
  CHECK(trans.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE);

  bank.transport(trans, 0x0);
  CHECK(trans.get_response_status() == tlm::TLM_OK_RESPONSE);
  uint32_t v;
  std::memcpy(&v, data, 4);
  CHECK(v == 0xCAFE);

  const uint32_t value = 0x00001200u;
  std::memcpy(data, &value, 4);
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  bank.transport(trans, 0x4);
  CHECK(trans.get_response_status() == tlm::TLM_OK_RESPONSE);
  CHECK(bank.get(0x4) == 0x1200u);
}

TEST_CASE("a byte-enabled register access gets a byte-enable error and changes nothing") {
  uint32_t last = 0;
  int writes = 0;
  RegisterBank bank = make_bank(last, writes);
  tlm::tlm_generic_payload trans;
  uint32_t value = 0x00003400u;
  uint8_t enables[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  trans.set_data_length(4);
  trans.set_streaming_width(4);
  trans.set_byte_enable_ptr(enables);
  trans.set_byte_enable_length(4);
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  bank.transport(trans, 0x4);
  CHECK(trans.get_response_status() == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(bank.get(0x4) == 0x100u);
  CHECK(writes == 0);
  trans.set_command(tlm::TLM_READ_COMMAND);
  bank.transport(trans, 0x0);
  CHECK(trans.get_response_status() == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
}
