// One plain TLM burst as the accelerator's DMA and the traffic generator
// issue it: no byte enables, no streaming, no DMI hint, response pending.
#pragma once

#include <cstdint>

#include <tlm>

namespace loomvp {

inline void prepare_burst(tlm::tlm_generic_payload& payload, tlm::tlm_command command, uint64_t address,
                          uint8_t* data, uint64_t length) {
  payload.set_command(command);
  payload.set_address(address);
  payload.set_data_ptr(data);
  payload.set_data_length(static_cast<unsigned int>(length));
  payload.set_streaming_width(static_cast<unsigned int>(length));
  payload.set_byte_enable_ptr(nullptr);
  payload.set_dmi_allowed(false);
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace loomvp
