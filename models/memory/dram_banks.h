// Optional LPDDR4-like bank and row-buffer timing for the DRAM (open-page
// policy). Each of `banks` banks keeps one row of `row_bytes` open. An access
// to the open row moves its data as soon as the channel allows (a row hit);
// to a bank with no open row it first waits tRCD (activate); to a bank with
// another row open, tRP + tRCD (precharge, then activate), and not before
// the bank's last transfer ended. The memory's fixed latency still stands for
// CAS latency (tCL), controller and PHY. Address mapping row | bank | column,
// so consecutive rows fall in consecutive banks. Kept apart from Memory's
// function: it only moves the time an access may start its data transfer.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

namespace loomvp {

struct DramBankConfig {
  bool enabled = false;
  uint32_t banks = 8;
  uint64_t row_bytes = 2048;
  sc_core::sc_time t_rcd = sc_core::sc_time(18, sc_core::SC_NS);  // activate to read/write
  sc_core::sc_time t_rp = sc_core::sc_time(18, sc_core::SC_NS);   // precharge
};

struct DramBankStats {
  uint64_t row_hits = 0;
  uint64_t row_empty = 0;      // bank had no open row: activate
  uint64_t row_conflicts = 0;  // another row open: precharge + activate
};

class DramBanks {
 public:
  explicit DramBanks(const DramBankConfig& config) : config_(config), banks_(config.banks) {}

  // When the data of an access to `address` arriving at `arrival` may move;
  // opens the access's row. Call transferred() once it has the channel.
  sc_core::sc_time ready(uint64_t address, const sc_core::sc_time& arrival) {
    Bank& bank = banks_[address / config_.row_bytes % banks_.size()];
    const uint64_t row = address / config_.row_bytes / banks_.size();
    if (bank.row_open && bank.row == row) {
      ++stats_.row_hits;
      return std::max(arrival, bank.ready);
    }
    const sc_core::sc_time start = std::max(arrival, bank.last_end);
    ++(bank.row_open ? stats_.row_conflicts : stats_.row_empty);
    bank.ready = start + (bank.row_open ? config_.t_rp : sc_core::SC_ZERO_TIME) + config_.t_rcd;
    bank.row_open = true;
    bank.row = row;
    return bank.ready;
  }
  void transferred(uint64_t address, const sc_core::sc_time& end) {
    Bank& bank = banks_[address / config_.row_bytes % banks_.size()];
    bank.last_end = std::max(bank.last_end, end);
  }

  const DramBankStats& stats() const { return stats_; }

 private:
  struct Bank {
    bool row_open = false;
    uint64_t row = 0;
    sc_core::sc_time ready;     // the open row's activation completes
    sc_core::sc_time last_end;  // the bank's last data transfer ends
  };
  DramBankConfig config_;
  std::vector<Bank> banks_;
  DramBankStats stats_;
};

}  // namespace loomvp
