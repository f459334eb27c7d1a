#include "dma_engine.h"

#include <algorithm>

namespace loomvp {

using sc_core::sc_time;

DmaEngine::DmaEngine(tlm::tlm_initiator_socket<>& bus, const DmaConfig& config)
    : bus_(bus), config_(config), in_flight_done_(std::max<uint32_t>(1, config.max_outstanding)) {}

DmaEngine::Result DmaEngine::read(uint64_t address, uint8_t* data, uint64_t bytes, sc_time& local_time) {
  return transfer(tlm::TLM_READ_COMMAND, address, data, bytes, bytes, 1, local_time);
}

DmaEngine::Result DmaEngine::write(uint64_t address, const uint8_t* data, uint64_t bytes, sc_time& local_time) {
  // The payload API takes a non-const pointer; a write never modifies it.
  return transfer(tlm::TLM_WRITE_COMMAND, address, const_cast<uint8_t*>(data), bytes, bytes, 1, local_time);
}

DmaEngine::Result DmaEngine::write_strided(uint64_t address, const uint8_t* data, uint64_t run_bytes,
                                           uint64_t stride_bytes, uint64_t runs, sc_time& local_time) {
  return transfer(tlm::TLM_WRITE_COMMAND, address, const_cast<uint8_t*>(data), run_bytes, stride_bytes,
                  runs, local_time);
}

DmaEngine::Result DmaEngine::transfer(tlm::tlm_command command, uint64_t address, uint8_t* data,
                                      uint64_t run_bytes, uint64_t stride_bytes, uint64_t runs,
                                      sc_time& local_time) {
  const size_t window = in_flight_done_.size();
  sc_time issue = sc_core::sc_time_stamp() + local_time;  // absolute
  sc_time last_done = issue;
  std::fill(in_flight_done_.begin(), in_flight_done_.end(), issue);
  if (run_bytes == 0) runs = 0;
  uint64_t run = 0, in_run = 0;  // position: run index, byte within the run
  for (size_t burst = 0; run < runs; ++burst) {
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
    const uint64_t at = address + run * stride_bytes + in_run;
    const uint64_t to_boundary = config_.burst_bytes - at % config_.burst_bytes;
    const uint64_t length = std::min(run_bytes - in_run, to_boundary);

    payload_.set_command(command);
    payload_.set_address(at);
    payload_.set_data_ptr(data + run * run_bytes + in_run);
    payload_.set_data_length(static_cast<unsigned int>(length));
    payload_.set_streaming_width(static_cast<unsigned int>(length));
    payload_.set_byte_enable_ptr(nullptr);
    payload_.set_dmi_allowed(false);
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = issue - sc_core::sc_time_stamp();
    bus_->b_transport(payload_, delay);
    if (payload_.is_response_error()) {
      local_time = std::max(last_done, issue) - sc_core::sc_time_stamp();
      return Result::BusError;
    }
    slot = sc_core::sc_time_stamp() + delay;
    last_done = std::max(last_done, slot);
    in_run += length;
    if (in_run == run_bytes) {
      ++run;
      in_run = 0;
    }
    (command == tlm::TLM_READ_COMMAND ? bytes_read_ : bytes_written_) += length;
  }
  local_time = last_done - sc_core::sc_time_stamp();
  return Result::Ok;
}

}  // namespace loomvp
