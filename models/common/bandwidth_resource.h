// A shared link or channel modelled as a calendar of busy intervals. A
// transfer arriving at `arrival` occupies the first free time at or after its
// arrival until it has had its transfer time, taking several gaps if need be
// (its beats interleave with transfers reserved before it). Because
// initiators run ahead of kernel time (temporal decoupling), a transfer may
// be reserved before an earlier-arriving one is made; the later call still
// gets every free moment before that reservation instead of queueing behind
// it. The resource is therefore work-conserving (never idle while an arrived
// transfer waits) and serves requests in simulated-time order up to the bound
// in docs/timing-model.md section 8.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>

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

  // `now` is the kernel time: no request can arrive before it, so intervals
  // that ended by then are forgotten (the calendar holds at most what the
  // initiators reserved ahead, about one quantum's worth).
  LinkGrant reserve(const sc_core::sc_time& arrival, uint64_t bytes,
                    const sc_core::sc_time& now = sc_core::SC_ZERO_TIME) {
    while (!busy_.empty() && busy_.begin()->second <= now.value()) busy_.erase(busy_.begin());
    uint64_t remaining = transfer_time(bytes).value();
    uint64_t t = arrival.value();
    auto next = busy_.upper_bound(t);  // first interval starting after t
    if (next != busy_.begin() && std::prev(next)->second > t) t = std::prev(next)->second;
    const uint64_t start = t;
    while (remaining > 0) {
      // Here t is free and `next` is the first interval after it (or none).
      const uint64_t gap_end = next == busy_.end() ? UINT64_MAX : next->first;
      const uint64_t take = std::min(remaining, gap_end - t);
      const Calendar::iterator merged = occupy(t, t + take, next);
      remaining -= take;
      t += take;
      if (remaining > 0) {  // the gap is full (merged with `next`): go past it
        t = merged->second;
        next = std::next(merged);
      }
    }
    return {sc_core::sc_time::from_value(start), sc_core::sc_time::from_value(t)};
  }

  // The end of the last reservation (zero when nothing is reserved).
  sc_core::sc_time busy_until() const {
    return sc_core::sc_time::from_value(busy_.empty() ? 0 : busy_.rbegin()->second);
  }
  size_t calendar_entries() const { return busy_.size(); }
  void reset() { busy_.clear(); }

 private:
  uint32_t width_bytes_ = 1;
  sc_core::sc_time period_ = sc_core::sc_time(1, sc_core::SC_NS);
  using Calendar = std::map<uint64_t, uint64_t>;

  // Marks [begin, end) busy, `next` being the first interval after `begin`,
  // and returns the interval that now holds it (merged with touching ones).
  Calendar::iterator occupy(uint64_t begin, uint64_t end, Calendar::iterator next) {
    Calendar::iterator merged;
    if (next != busy_.begin() && std::prev(next)->second == begin) {
      merged = std::prev(next);
      merged->second = end;
    } else {
      merged = busy_.emplace_hint(next, begin, end);
    }
    if (next != busy_.end() && next->first == end) {
      merged->second = next->second;
      busy_.erase(next);
    }
    return merged;
  }

  Calendar busy_;  // start -> end (ps), disjoint, not touching
};

}  // namespace loomvp
