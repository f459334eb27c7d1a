#include "fault_injector.h"

namespace loomvp {

FaultInjector::FaultInjector(sc_core::sc_module_name name, const FaultConfig& config)
    : sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket"), config_(config) {
  target_socket.register_b_transport(this, &FaultInjector::b_transport);
  target_socket.register_transport_dbg(this, &FaultInjector::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &FaultInjector::get_direct_mem_ptr);
}

bool FaultInjector::hits(const tlm::tlm_generic_payload& trans) const {
  const uint64_t start = trans.get_address(), end = start + trans.get_data_length();
  return start < config_.offset + config_.size_bytes && end > config_.offset;
}

void FaultInjector::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const bool hit = config_.mode != FaultMode::None && hits(trans);
  if (hit && config_.mode == FaultMode::Error) {
    ++stats_.errors;
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (hit && config_.mode == FaultMode::Stall && stats_.stalls == 0) {
    ++stats_.stalls;
    delay += config_.stall;
  }
  initiator_socket->b_transport(trans, delay);
  if (hit && config_.mode == FaultMode::Flip && trans.is_read() && trans.is_response_ok()) flip(trans);
}

void FaultInjector::flip(tlm::tlm_generic_payload& trans) {
  const uint64_t start = trans.get_address();
  unsigned char* data = trans.get_data_ptr();
  for (uint64_t i = 0; i < trans.get_data_length(); ++i)
    if (start + i >= config_.offset && start + i < config_.offset + config_.size_bytes) {
      data[i] ^= config_.flip_mask;
      ++stats_.flipped_bytes;
    }
}

// The Loom DMA fetches tensor data through the debug interface (its timed
// bursts carry no data), so the faults apply here too: an error range
// transfers nothing, a flip range reads flipped.
unsigned FaultInjector::transport_dbg(tlm::tlm_generic_payload& trans) {
  const bool hit = config_.mode != FaultMode::None && hits(trans);
  if (hit && config_.mode == FaultMode::Error) {
    ++stats_.errors;
    return 0;
  }
  const unsigned done = initiator_socket->transport_dbg(trans);
  if (hit && config_.mode == FaultMode::Flip && trans.is_read()) flip(trans);
  return done;
}

// No direct pointers while a fault is configured: every access must pass here.
bool FaultInjector::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (config_.mode != FaultMode::None) return false;
  return initiator_socket->get_direct_mem_ptr(trans, dmi);
}

}  // namespace loomvp
