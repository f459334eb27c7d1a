#include "register_bank.h"

#include <cstring>
#include <stdexcept>

namespace loomvp {

void RegisterBank::add(RegisterSpec spec) {
  if (spec.offset % 4 != 0 || specs_.count(spec.offset))
    throw std::logic_error("register " + spec.name + ": offset misaligned or taken");
  values_[spec.offset] = spec.reset_value;
  specs_.emplace(spec.offset, std::move(spec));
}

tlm::tlm_response_status RegisterBank::read(uint32_t offset, uint32_t& value) const {
  auto it = specs_.find(offset);
  if (it == specs_.end()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  value = it->second.on_read ? it->second.on_read() : values_.at(offset);
  return tlm::TLM_OK_RESPONSE;
}

tlm::tlm_response_status RegisterBank::write(uint32_t offset, uint32_t value) {
  auto it = specs_.find(offset);
  if (it == specs_.end()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  const RegisterSpec& spec = it->second;
  uint32_t& stored = values_[offset];
  const uint32_t old_value = stored;
  switch (spec.access) {
    case RegAccess::ReadOnly:
      return tlm::TLM_COMMAND_ERROR_RESPONSE;
    case RegAccess::ReadWrite:
      stored = (old_value & ~spec.write_mask) | (value & spec.write_mask);
      break;
    case RegAccess::WriteOneToClear:
      stored = old_value & ~(value & spec.write_mask);
      break;
  }
  if (spec.on_write) spec.on_write(value);
  return tlm::TLM_OK_RESPONSE;
}

void RegisterBank::transport(tlm::tlm_generic_payload& trans, uint32_t offset) {
  if (trans.get_byte_enable_ptr() != nullptr) {  // registers are written whole
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (trans.get_data_length() != 4 || trans.get_streaming_width() < 4 || offset % 4 != 0) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint32_t value = 0;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  if (trans.is_read()) {
    status = read(offset, value);
    if (status == tlm::TLM_OK_RESPONSE) std::memcpy(trans.get_data_ptr(), &value, 4);
  } else if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    status = write(offset, value);
  }
  trans.set_response_status(status);
}

uint32_t RegisterBank::get(uint32_t offset) const { return values_.at(offset); }

void RegisterBank::set(uint32_t offset, uint32_t value) { values_.at(offset) = value; }

void RegisterBank::set64(uint32_t lo_offset, uint64_t value) {
  set(lo_offset, static_cast<uint32_t>(value));
  set(lo_offset + 4, static_cast<uint32_t>(value >> 32));
}

void RegisterBank::reset() {
  for (const auto& [offset, spec] : specs_) values_[offset] = spec.reset_value;
}

}  // namespace loomvp
