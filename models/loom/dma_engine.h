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

  // A strided pattern as one transfer (bursts stay in flight across pieces):
  // `count` pieces of `bytes`, piece k at address + k * stride and at
  // data + k * data_stride.
  struct Pattern {
    uint64_t address = 0, bytes = 0, count = 1, stride = 0, data_stride = 0;
  };
  Result transfer(tlm::tlm_command command, const Pattern& pattern, uint8_t* data, sc_core::sc_time& local_time);

  // Untimed read through the bus's debug interface (the datapath's view of
  // DRAM); false if the bus could not deliver every byte.
  bool peek(uint64_t address, uint8_t* data, uint64_t bytes);

  // `wakeup` cuts the engine's waits short; `cancelled` is checked after every
  // wait, and true abandons the transfer (the device's soft reset).
  void set_cancel(std::function<bool()> cancelled, const sc_core::sc_event* wakeup) {
    cancelled_ = std::move(cancelled);
    wakeup_ = wakeup;
  }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  tlm::tlm_initiator_socket<>& bus_;
  DmaConfig config_;
  tlm::tlm_generic_payload payload_;
  std::function<bool()> cancelled_;
  const sc_core::sc_event* wakeup_ = nullptr;
  std::vector<sc_core::sc_time> in_flight_done_;  // ring of completion times (absolute)
  uint64_t bytes_read_ = 0, bytes_written_ = 0;
};

}  // namespace loomvp
