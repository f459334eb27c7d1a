#include "sequencer.h"

namespace loomvp {

using sc_core::sc_time;

namespace {
constexpr uint32_t kAct = static_cast<uint32_t>(Buffer::Activation);
constexpr uint32_t kWeight = static_cast<uint32_t>(Buffer::Weight);
constexpr uint32_t kOut = static_cast<uint32_t>(Buffer::Output);

// Whether tile i starts a new content of `buffer` (its load index changed).
bool starts_new(const std::vector<Tile>& tiles, size_t i, uint32_t buffer) {
  const uint32_t previous = i ? tiles[i - 1].load_index[buffer] : 0;
  return tiles[i].load_index[buffer] != previous;
}
}  // namespace

Sequencer::Sequencer(sc_core::sc_module_name name, tlm::tlm_initiator_socket<>& bus, const DmaConfig& dma,
                     sc_time clock_period)
    : sc_module(name), load_dma_(bus, dma), store_dma_(bus, dma), period_(clock_period), wakeup_(&never_) {
  SC_THREAD(load_thread);
  SC_THREAD(compute_thread);
  SC_THREAD(store_thread);
}

void Sequencer::set_cancel(std::function<bool()> cancelled, const sc_core::sc_event* wakeup) {
  cancelled_ = cancelled;
  wakeup_ = wakeup ? wakeup : &never_;
  load_dma_.set_cancel(cancelled, wakeup);
  store_dma_.set_cancel(cancelled, wakeup);
}

DmaEngine::Result Sequencer::run(const TilePlan& plan, const uint8_t* output_image, SequencerCounters& counters) {
  plan_ = &plan;
  output_image_ = output_image;
  counters = SequencerCounters{};
  counters.tiles = plan.tiles.size();
  counters_ = &counters;
  origin_ = sc_core::sc_time_stamp();
  loaded_ = computed_ = 0;
  released_[0] = released_[1] = 0;
  stored_outputs_ = 0;
  dma_active_ = 0;
  dma_busy_ = sc_core::SC_ZERO_TIME;
  finished_stages_ = 0;
  result_ = DmaEngine::Result::Ok;
  start_event_.notify(sc_core::SC_ZERO_TIME);
  while (finished_stages_ < 3) sc_core::wait(progress_event_);
  plan_ = nullptr;
  counters.dma_busy_cycles = (dma_busy_.value() + period_.value() - 1) / period_.value();
  if (cancelled_ && cancelled_()) return DmaEngine::Result::Cancelled;
  return result_;
}

bool Sequencer::wait_until(const std::function<bool()>& ready, uint64_t* stall) {
  const sc_time begin = sc_core::sc_time_stamp();
  while (!ready()) {
    if (aborted()) return false;
    sc_core::wait(progress_event_ | *wakeup_);
  }
  if (aborted()) return false;
  if (stall) {  // the compute stage runs on clock edges
    const uint64_t offset = (sc_core::sc_time_stamp() - origin_).value() % period_.value();
    if (offset) sc_core::wait(sc_time::from_value(period_.value() - offset));
    *stall += (sc_core::sc_time_stamp() - begin).value() / period_.value();
  }
  return true;
}

void Sequencer::stage_finished() {
  ++finished_stages_;
  progress_event_.notify(sc_core::SC_ZERO_TIME);
}

void Sequencer::trace_span(TraceTrack track, const char* name, const sc_time& begin) const {
  if (!tracer_ || begin == sc_core::sc_time_stamp()) return;
  tracer_->begin(track, name, begin);
  tracer_->end(track, sc_core::sc_time_stamp());
}

DmaEngine::Result Sequencer::move(DmaEngine& dma, tlm::tlm_command command, const Transfer& x, uint8_t* data,
                                  uint64_t data_stride) {
  if (dma_active_++ == 0) dma_busy_since_ = sc_core::sc_time_stamp();
  const TraceTrack track = command == tlm::TLM_READ_COMMAND ? TraceTrack::Load : TraceTrack::Store;
  if (tracer_) tracer_->begin(track, tensor_kind_name(x.kind), sc_core::sc_time_stamp(), "bytes", x.bytes * x.count);
  sc_time local = sc_core::SC_ZERO_TIME;
  DmaEngine::Result r = dma.transfer(command, {x.address, x.bytes, x.count, x.stride, data_stride}, data, local);
  if (r != DmaEngine::Result::Cancelled) sc_core::wait(local, *wakeup_);
  if (tracer_) tracer_->end(track, sc_core::sc_time_stamp());
  if (--dma_active_ == 0) dma_busy_ += sc_core::sc_time_stamp() - dma_busy_since_;
  if (r == DmaEngine::Result::Ok && cancelled_ && cancelled_()) r = DmaEngine::Result::Cancelled;
  return r;
}

void Sequencer::load_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const std::vector<Tile>& tiles = plan_->tiles;
    for (size_t i = 0; i < tiles.size() && !aborted(); ++i) {
      const Tile& t = tiles[i];
      // At most `slots` contents of a buffer at once: a new load waits until
      // the one `slots` loads back is no longer needed.
      const bool ready = wait_until(
          [&] {
            for (uint32_t b : {kAct, kWeight})
              if (starts_new(tiles, i, b) && t.load_index[b] - released_[b] > plan_->slots[b]) return false;
            return true;
          },
          nullptr);
      if (!ready) break;
      if (tracer_) tracer_->begin(TraceTrack::Load, "load tile", sc_core::sc_time_stamp(), "tile", i);
      for (const Transfer& x : t.loads) {
        if (scratch_.size() < x.bytes) scratch_.resize(x.bytes);
        const DmaEngine::Result r = move(load_dma_, tlm::TLM_READ_COMMAND, x, scratch_.data(), 0);
        if (r != DmaEngine::Result::Ok) {
          if (result_ == DmaEngine::Result::Ok) result_ = r;
          break;
        }
      }
      if (tracer_) tracer_->end(TraceTrack::Load, sc_core::sc_time_stamp());
      if (aborted()) break;
      ++loaded_;
      progress_event_.notify(sc_core::SC_ZERO_TIME);
    }
    stage_finished();
  }
}

void Sequencer::compute_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const std::vector<Tile>& tiles = plan_->tiles;
    SequencerCounters& c = *counters_;
    for (size_t i = 0; i < tiles.size(); ++i) {
      const Tile& t = tiles[i];
      sc_time stall_begin = sc_core::sc_time_stamp();
      const bool loaded = wait_until([&] { return loaded_ > i; }, &c.stall_data_cycles);
      trace_span(TraceTrack::Compute, "stall_data", stall_begin);
      if (!loaded) break;
      stall_begin = sc_core::sc_time_stamp();
      const bool space = !starts_new(tiles, i, kOut) ||
                         wait_until([&] { return t.load_index[kOut] - stored_outputs_ <= plan_->slots[kOut]; },
                                    &c.stall_space_cycles);
      trace_span(TraceTrack::Compute, "stall_space", stall_begin);
      if (!space) break;
      if (tracer_) tracer_->begin(TraceTrack::Compute, "compute", sc_core::sc_time_stamp(), "tile", i);
      sc_core::wait(sc_time::from_value(period_.value() * t.compute_cycles), *wakeup_);
      if (tracer_) tracer_->end(TraceTrack::Compute, sc_core::sc_time_stamp());
      if (aborted()) break;
      c.compute_cycles += t.compute_cycles;
      ++computed_;
      for (uint32_t b : {kAct, kWeight})
        if (i + 1 == tiles.size() || tiles[i + 1].load_index[b] != t.load_index[b]) released_[b] = t.load_index[b];
      progress_event_.notify(sc_core::SC_ZERO_TIME);
    }
    stage_finished();
  }
}

void Sequencer::store_thread() {
  for (;;) {
    sc_core::wait(start_event_);
    const std::vector<Tile>& tiles = plan_->tiles;
    for (size_t i = 0; i < tiles.size(); ++i) {
      const Tile& t = tiles[i];
      if (t.stores.empty()) continue;  // fc partial sums stay in the output buffer
      if (!wait_until([&] { return computed_ > i; }, nullptr)) break;
      if (tracer_) tracer_->begin(TraceTrack::Store, "store tile", sc_core::sc_time_stamp(), "tile", i);
      bool ok = true;
      for (const Transfer& x : t.stores) {
        uint8_t* data = const_cast<uint8_t*>(output_image_ + x.image_offset);
        const DmaEngine::Result r = move(store_dma_, tlm::TLM_WRITE_COMMAND, x, data, x.image_stride);
        if (r != DmaEngine::Result::Ok) {
          if (result_ == DmaEngine::Result::Ok) result_ = r;
          ok = false;
          break;
        }
      }
      if (tracer_) tracer_->end(TraceTrack::Store, sc_core::sc_time_stamp());
      if (!ok || aborted()) break;
      stored_outputs_ = t.load_index[kOut];
      progress_event_.notify(sc_core::SC_ZERO_TIME);
    }
    stage_finished();
  }
}

}  // namespace loomvp
