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
  // Writes `runs` consecutive runs of `run_bytes` from `data` to addresses
  // `stride_bytes` apart, keeping the bursts pipelined across runs.
  Result write_strided(uint64_t address, const uint8_t* data, uint64_t run_bytes, uint64_t stride_bytes,
                       uint64_t runs, sc_core::sc_time& local_time);

  // `wakeup` cuts the engine's waits short; `cancelled` is checked after every
  // wait, and true abandons the transfer (the device's soft reset).
  void set_cancel(std::function<bool()> cancelled, const sc_core::sc_event* wakeup) {
    cancelled_ = std::move(cancelled);
    wakeup_ = wakeup;
  }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Result transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t run_bytes,
                  uint64_t stride_bytes, uint64_t runs, sc_core::sc_time& local_time);

  tlm::tlm_initiator_socket<>& bus_;
  DmaConfig config_;
  tlm::tlm_generic_payload payload_;
  std::function<bool()> cancelled_;
  const sc_core::sc_event* wakeup_ = nullptr;
  std::vector<sc_core::sc_time> in_flight_done_;  // ring of completion times (absolute)
  uint64_t bytes_read_ = 0, bytes_written_ = 0;
};

}  // namespace loomvp
