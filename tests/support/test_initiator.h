// A bare TLM initiator for unit tests: issues single transactions with an
// explicit timing annotation and reports status and returned delay.
#pragma once

#include <cstdint>
#include <cstring>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace loomvp::test {

struct TestInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TestInitiator> socket;

  explicit TestInitiator(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}

  tlm::tlm_response_status transport(tlm::tlm_command command, uint64_t address, void* data,
                                     unsigned length, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload trans;
    trans.set_command(command);
    trans.set_address(address);
    trans.set_data_ptr(static_cast<unsigned char*>(data));
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(trans, delay);
    return trans.get_response_status();
  }

  uint32_t read32(uint64_t address, tlm::tlm_response_status* status = nullptr) {
    uint32_t value = 0;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto s = transport(tlm::TLM_READ_COMMAND, address, &value, 4, delay);
    if (status) *status = s;
    return value;
  }

  tlm::tlm_response_status write32(uint64_t address, uint32_t value) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    return transport(tlm::TLM_WRITE_COMMAND, address, &value, 4, delay);
  }
};

}  // namespace loomvp::test
