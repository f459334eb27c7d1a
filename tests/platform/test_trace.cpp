// trace_event_json on hand-made event streams (docs/stats-format.md section 4).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "platform/trace.h"

using namespace loomvp;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

std::vector<nlohmann::json> events_named(const nlohmann::json& trace, const std::string& name) {
  std::vector<nlohmann::json> found;
  for (const auto& e : trace["traceEvents"])
    if (e["name"] == name) found.push_back(e);
  return found;
}

}  // namespace

TEST_CASE("Loom spans become X events, CPU spans B/E, open spans end at the end", "[trace]") {
  TraceRecorder recorder;
  Tracer& r = recorder;  // as the models call it
  r.begin(TraceTrack::Cpu, "driver", sc_time(0, SC_NS));
  r.begin(TraceTrack::Cpu, "wait for interrupt", sc_time(5, SC_NS));
  r.begin(TraceTrack::Layer, "layer", sc_time(10, SC_NS), "layer", 1);
  r.begin(TraceTrack::Load, "load tile", sc_time(11, SC_NS), "tile", 0);
  r.begin(TraceTrack::Load, "input", sc_time(11, SC_NS), "bytes", 1000);
  r.end(TraceTrack::Load, sc_time(21, SC_NS));  // 1000 B in 10 ns: 100 GB/s
  r.end(TraceTrack::Load, sc_time(21, SC_NS));
  r.end(TraceTrack::Layer, sc_time(1510, SC_NS) + sc_time(1, sc_core::SC_PS));
  r.instant(TraceTrack::Irq, "irq", sc_time(1510, SC_NS));
  r.end(TraceTrack::Cpu, sc_time(1512, SC_NS));
  const auto trace = nlohmann::json::parse(trace_event_json(recorder, {"conv1", "conv2"}, 2000000));

  const auto layer = events_named(trace, "conv2");  // named by the layer index
  REQUIRE(layer.size() == 1);
  CHECK(layer[0]["ph"] == "X");
  CHECK(layer[0]["ts"].get<double>() == Approx(0.010));
  CHECK(layer[0]["dur"].get<double>() == Approx(1.500001).epsilon(1e-12));  // picoseconds survive
  CHECK(layer[0]["args"]["layer"] == 1);
  CHECK(events_named(trace, "input")[0]["args"]["bytes"] == 1000);

  const auto waits = events_named(trace, "wait for interrupt");
  REQUIRE(waits.size() == 2);
  CHECK(waits[0]["ph"] == "B");
  CHECK(waits[1]["ph"] == "E");
  CHECK(waits[1]["ts"].get<double>() == Approx(1.512));
  const auto driver = events_named(trace, "driver");  // never ended: closed at end_ps (2 us)
  REQUIRE(driver.size() == 2);
  CHECK(driver[1]["ph"] == "E");
  CHECK(driver[1]["ts"].get<double>() == Approx(2.0));
  CHECK(events_named(trace, "irq")[0]["ph"] == "i");

  const auto counter = events_named(trace, "loom_dma_gb_per_s");
  REQUIRE(counter.size() == 2);
  CHECK(counter[0]["ts"].get<double>() == Approx(0.011));
  CHECK(counter[0]["args"]["GB/s"].get<double>() == Approx(100.0));
  CHECK(counter[1]["args"]["GB/s"].get<double>() == 0.0);
}

TEST_CASE("no events: only the track names", "[trace]") {
  TraceRecorder r;
  const auto trace = nlohmann::json::parse(trace_event_json(r, {}, 0));
  for (const auto& e : trace["traceEvents"]) CHECK(e["ph"] == "M");
  CHECK(trace["traceEvents"].size() == 3 + static_cast<size_t>(TraceTrack::Count));
}
