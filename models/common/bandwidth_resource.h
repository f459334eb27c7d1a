// A shared link modelled as a resource that is busy until a time: a transfer
// arriving at `arrival` starts when the link is free, occupies it for its
// transfer time, and later arrivals queue behind it. This is what makes
// concurrent initiators contend while staying loosely timed and deterministic.
#pragma once

#include <algorithm>
#include <cstdint>

#include <systemc>

namespace loomvp {

struct LinkGrant {
  sc_core::sc_time start;  // when the transfer got the link
  sc_core::sc_time end;    // when it released the link
};

class BandwidthResource {
 public:
  BandwidthResource() = default;
  // `width_bytes` move every `period`; a transfer occupies whole beats.
  BandwidthResource(uint32_t width_bytes, sc_core::sc_time period)
      : width_bytes_(width_bytes), period_(period) {}

  uint64_t beats(uint64_t bytes) const { return (bytes + width_bytes_ - 1) / width_bytes_; }
  sc_core::sc_time transfer_time(uint64_t bytes) const {
    return sc_core::sc_time::from_value(period_.value() * beats(bytes));
  }

  LinkGrant reserve(const sc_core::sc_time& arrival, uint64_t bytes) {
    LinkGrant grant;
    grant.start = std::max(arrival, busy_until_);
    grant.end = grant.start + transfer_time(bytes);
    busy_until_ = grant.end;
    return grant;
  }

  const sc_core::sc_time& busy_until() const { return busy_until_; }
  void reset() { busy_until_ = sc_core::SC_ZERO_TIME; }

 private:
  uint32_t width_bytes_ = 1;
  sc_core::sc_time period_ = sc_core::sc_time(1, sc_core::SC_NS);
  sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
};

}  // namespace loomvp
