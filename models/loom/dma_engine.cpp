#include "dma_engine.h"

#include <algorithm>

#include "models/common/burst_payload.h"

namespace loomvp {

using sc_core::sc_time;

DmaEngine::DmaEngine(tlm::tlm_initiator_socket<>& bus, const DmaConfig& config)
    : bus_(bus), config_(config), in_flight_done_(std::max<uint32_t>(1, config.max_outstanding)) {}

DmaEngine::Result DmaEngine::read(uint64_t address, uint8_t* data, uint64_t bytes, sc_time& local_time) {
  return transfer(tlm::TLM_READ_COMMAND, {address, bytes, 1, 0, 0}, data, local_time);
}

DmaEngine::Result DmaEngine::write(uint64_t address, const uint8_t* data, uint64_t bytes, sc_time& local_time) {
  // The payload API takes a non-const pointer; a write never modifies it.
  return transfer(tlm::TLM_WRITE_COMMAND, {address, bytes, 1, 0, 0}, const_cast<uint8_t*>(data), local_time);
}

bool DmaEngine::peek(uint64_t address, uint8_t* data, uint64_t bytes) {
  tlm::tlm_generic_payload payload;
  for (uint64_t done = 0; done < bytes;) {  // the debug interface takes unsigned int lengths
    const uint64_t length = std::min<uint64_t>(bytes - done, 1u << 30);
    payload.set_command(tlm::TLM_READ_COMMAND);
    payload.set_address(address + done);
    payload.set_data_ptr(data + done);
    payload.set_data_length(static_cast<unsigned int>(length));
    if (bus_->transport_dbg(payload) != length) return false;
    done += length;
  }
  return true;
}

DmaEngine::Result DmaEngine::transfer(tlm::tlm_command command, const Pattern& pattern, uint8_t* data,
                                      sc_time& local_time) {
  const size_t window = in_flight_done_.size();
  sc_time issue = sc_core::sc_time_stamp() + local_time;  // absolute
  sc_time last_done = issue;
  std::fill(in_flight_done_.begin(), in_flight_done_.end(), issue);
  size_t burst = 0;
  for (uint64_t piece = 0; piece < pattern.count; ++piece) {
    const uint64_t address = pattern.address + piece * pattern.stride;
    uint8_t* piece_data = data + piece * pattern.data_stride;
    for (uint64_t done_bytes = 0; done_bytes < pattern.bytes; ++burst) {
      // A burst slot frees when the burst issued `window` bursts ago completes.
      sc_time& slot = in_flight_done_[burst % window];
      issue = std::max(issue, slot);
      // Temporal decoupling: issue nothing more than a quantum ahead of the
      // kernel, so other initiators' requests interleave with ours.
      if (issue - sc_core::sc_time_stamp() >= config_.quantum) {
        if (wakeup_)
          sc_core::wait(issue - sc_core::sc_time_stamp(), *wakeup_);
        else
          sc_core::wait(issue - sc_core::sc_time_stamp());
        if (cancelled_ && cancelled_()) {
          local_time = sc_core::SC_ZERO_TIME;
          return Result::Cancelled;
        }
      }
      const uint64_t to_boundary = config_.burst_bytes - (address + done_bytes) % config_.burst_bytes;
      const uint64_t length = std::min(pattern.bytes - done_bytes, to_boundary);

      prepare_burst(payload_, command, address + done_bytes, piece_data + done_bytes, length);
      sc_time delay = issue - sc_core::sc_time_stamp();
      bus_->b_transport(payload_, delay);
      if (payload_.is_response_error()) {
        local_time = std::max(last_done, issue) - sc_core::sc_time_stamp();
        return Result::BusError;
      }
      slot = sc_core::sc_time_stamp() + delay;
      last_done = std::max(last_done, slot);
      done_bytes += length;
      (command == tlm::TLM_READ_COMMAND ? bytes_read_ : bytes_written_) += length;
    }
  }
  local_time = last_done - sc_core::sc_time_stamp();
  return Result::Ok;
}

}  // namespace loomvp
