// BandwidthResource as a calendar: a transfer takes the free time at or
// after its arrival, across several gaps if need be, so an earlier-arriving
// transfer reserved after a later one is served first and no free time is
// lost (times worked out by hand, 1 ns beats of 16 bytes).
#include <catch2/catch.hpp>

#include "models/common/bandwidth_resource.h"

using loomvp::BandwidthResource;
using loomvp::LinkGrant;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
sc_time ns(double v) { return sc_time(v, SC_NS); }
}  // namespace

TEST_CASE("bandwidth resource: transfers queue behind each other in arrival order") {
  BandwidthResource link(16, ns(1));
  CHECK(link.transfer_time(64) == ns(4));
  CHECK(link.transfer_time(65) == ns(5));  // whole beats
  LinkGrant a = link.reserve(ns(0), 64);
  LinkGrant b = link.reserve(ns(1), 64);
  CHECK(a.start == ns(0));
  CHECK(a.end == ns(4));
  CHECK(b.start == ns(4));  // waits for a
  CHECK(b.end == ns(8));
  CHECK(link.busy_until() == ns(8));
  CHECK(link.calendar_entries() == 1);  // touching intervals merge
}

TEST_CASE("bandwidth resource: an earlier arrival reserved later back-fills the idle time before a reservation") {
  BandwidthResource link(16, ns(1));
  // An initiator running ahead reserves [100, 110).
  const LinkGrant ahead = link.reserve(ns(100), 160);
  CHECK(ahead.start == ns(100));
  // First-come-first-served would put this at 110; it arrived at 0 and fits before 100.
  const LinkGrant early = link.reserve(ns(0), 64);
  CHECK(early.start == ns(0));
  CHECK(early.end == ns(4));
  // Arriving at 95, 6 ns: the 5 ns before the reservation, then 1 ns after it.
  const LinkGrant split = link.reserve(ns(95), 96);
  CHECK(split.start == ns(95));
  CHECK(split.end == ns(111));
  // Arriving at 2 it waits for the transfer in [0, 4).
  const LinkGrant inside = link.reserve(ns(2), 32);
  CHECK(inside.start == ns(4));
  CHECK(inside.end == ns(6));
  // Calendar: [0,6) [95,111).
  CHECK(link.calendar_entries() == 2);
  CHECK(link.busy_until() == ns(111));
}

TEST_CASE("bandwidth resource: a transfer fills gaps too small for all of it, in order") {
  BandwidthResource link(16, ns(1));
  link.reserve(ns(10), 32);  // [10, 12)
  link.reserve(ns(15), 32);  // [15, 17)
  link.reserve(ns(20), 32);  // [20, 22)
  const LinkGrant g = link.reserve(ns(9), 64);  // 4 ns: [9,10) + [12,15)
  CHECK(g.start == ns(9));
  CHECK(g.end == ns(15));
  CHECK(link.calendar_entries() == 2);  // [9,17) [20,22)
  const LinkGrant h = link.reserve(ns(0), 320);  // 20 ns: [0,9) + [17,20) + [22,30)
  CHECK(h.start == ns(0));
  CHECK(h.end == ns(30));
  CHECK(link.calendar_entries() == 1);
  CHECK(link.busy_until() == ns(30));
}

TEST_CASE("bandwidth resource: intervals that ended before the kernel time are forgotten") {
  BandwidthResource link(16, ns(1));
  for (int i = 0; i < 100; ++i) link.reserve(ns(10.0 * i), 16);  // 100 separate 1 ns intervals
  CHECK(link.calendar_entries() == 100);
  const LinkGrant g = link.reserve(ns(995), 16, ns(995));
  CHECK(g.start == ns(995));
  CHECK(link.calendar_entries() == 1);  // [0..991) all ended by 995; only the new one remains
}
