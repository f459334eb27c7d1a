// The accelerator's DMA engine: splits a transfer into bursts of
// `burst_bytes` (aligned) and keeps up to `max_outstanding` bursts in flight,
// so DRAM latency is overlapped and throughput is set by the interconnect and
// DRAM channels. Every burst is a real TLM transaction. Time is kept as a
// local offset (temporal decoupling) and synchronised every quantum.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>

namespace loomvp {

struct DmaConfig {
  uint32_t burst_bytes = 64;
  uint32_t max_outstanding = 32;  // 2 KiB in flight covers DRAM latency x bandwidth
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
};

class DmaEngine {
 public:
  DmaEngine(tlm::tlm_initiator_socket<>& bus, const DmaConfig& config);

  enum class Result { Ok, BusError, Cancelled };

  // Moves `bytes` between `address` and `data`, starting at sc_time_stamp() +
  // local_time; on return local_time is when the last burst completed.
  Result read(uint64_t address, uint8_t* data, uint64_t bytes, sc_core::sc_time& local_time);
  Result write(uint64_t address, const uint8_t* data, uint64_t bytes, sc_core::sc_time& local_time);

  // Checked whenever the engine has waited: true abandons the transfer.
  void set_cancel_check(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Result transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t bytes,
                sc_core::sc_time& local_time);

  tlm::tlm_initiator_socket<>& bus_;
  DmaConfig config_;
  tlm::tlm_generic_payload payload_;
  std::function<bool()> cancelled_;
  std::vector<sc_core::sc_time> in_flight_done_;  // ring of completion times (absolute)
  uint64_t bytes_read_ = 0, bytes_written_ = 0;
};

}  // namespace loomvp
