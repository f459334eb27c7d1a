#include "memory.h"

namespace loomvp {

using sc_core::sc_time;

Memory::Memory(sc_core::sc_module_name name, const MemoryConfig& config)
    : sc_module(name),
      socket("socket"),
      config_(config),
      storage_(config.size_bytes),
      channel_(config.bytes_per_beat, config.beat_time),
      banks_(config.bank_timing) {
  socket.register_b_transport(this, &Memory::b_transport);
  socket.register_transport_dbg(this, &Memory::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
}

bool Memory::check_payload(tlm::tlm_generic_payload& trans) const {
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() < trans.get_data_length()) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (!storage_.contains(trans.get_address(), trans.get_data_length())) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void Memory::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!check_payload(trans)) return;
  const uint64_t length = trans.get_data_length();
  if (trans.is_read()) {
    storage_.read(trans.get_address(), trans.get_data_ptr(), length);
    stats_.bytes_read += length;
  } else if (trans.is_write()) {
    storage_.write(trans.get_address(), trans.get_data_ptr(), length);
    stats_.bytes_written += length;
  }
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + delay;
  const sc_time data_ready =
      config_.bank_timing.enabled ? banks_.ready(trans.get_address(), arrival) : arrival;
  const LinkGrant grant = channel_.reserve(data_ready, length, now);
  if (config_.bank_timing.enabled) banks_.transferred(trans.get_address(), grant.end);
  stats_.queue_wait += grant.start - arrival;
  ++stats_.transactions;
  delay = grant.end + config_.latency - now;
  trans.set_dmi_allowed(config_.dmi_allowed);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Memory::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!storage_.contains(trans.get_address(), trans.get_data_length())) return 0;
  if (trans.is_read())
    storage_.read(trans.get_address(), trans.get_data_ptr(), trans.get_data_length());
  else if (trans.is_write())
    storage_.write(trans.get_address(), trans.get_data_ptr(), trans.get_data_length());
  return trans.get_data_length();
}

// DMI is granted one storage page at a time, so untouched memory stays
// unallocated. The latency is what one uncontended access costs here.
bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (!config_.dmi_allowed || !storage_.contains(trans.get_address(), 1)) return false;
  const uint64_t page_start = trans.get_address() - trans.get_address() % SparseStorage::kPageBytes;
  const uint64_t page_end = std::min(page_start + SparseStorage::kPageBytes, config_.size_bytes) - 1;
  dmi.set_dmi_ptr(storage_.page(page_start));
  dmi.set_start_address(page_start);
  dmi.set_end_address(page_end);
  dmi.allow_read_write();
  const sc_time access = config_.latency + channel_.transfer_time(4);
  dmi.set_read_latency(access);
  dmi.set_write_latency(access);
  return true;
}

bool Memory::backdoor_write(uint64_t address, const void* src, uint64_t length) {
  if (!storage_.contains(address, length)) return false;
  storage_.write(address, static_cast<const uint8_t*>(src), length);
  return true;
}

bool Memory::backdoor_read(uint64_t address, void* dst, uint64_t length) const {
  if (!storage_.contains(address, length)) return false;
  storage_.read(address, static_cast<uint8_t*>(dst), length);
  return true;
}

}  // namespace loomvp
