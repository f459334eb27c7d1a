#include "clint.h"

#include "firmware/include/soc_map.h"

namespace loomvp {

namespace {
uint32_t low(uint64_t v) { return static_cast<uint32_t>(v); }
uint32_t high(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
uint64_t with_low(uint64_t v, uint32_t lo) { return (v & 0xFFFFFFFF00000000ull) | lo; }
uint64_t with_high(uint64_t v, uint32_t hi) { return (v & 0xFFFFFFFFull) | (uint64_t(hi) << 32); }
}  // namespace

Clint::Clint(sc_core::sc_module_name name, const ClintConfig& config)
    : sc_module(name), socket("socket"), timer_irq("timer_irq"), software_irq("software_irq"), config_(config) {
  socket.register_b_transport(this, &Clint::b_transport);
  regs_.add({"MSIP", CLINT_REG_MSIP, 0, RegAccess::ReadWrite, 0x1u,
             [this](uint32_t) { update_event_.notify(sc_core::SC_ZERO_TIME); }, nullptr});
  regs_.add({"MTIMECMP_LO", CLINT_REG_MTIMECMP_LO, 0, RegAccess::ReadWrite, 0xFFFFFFFFu,
             [this](uint32_t v) {
               mtimecmp_ = with_low(mtimecmp_, v);
               update_event_.notify(sc_core::SC_ZERO_TIME);
             },
             [this] { return low(mtimecmp_); }});
  regs_.add({"MTIMECMP_HI", CLINT_REG_MTIMECMP_HI, 0, RegAccess::ReadWrite, 0xFFFFFFFFu,
             [this](uint32_t v) {
               mtimecmp_ = with_high(mtimecmp_, v);
               update_event_.notify(sc_core::SC_ZERO_TIME);
             },
             [this] { return high(mtimecmp_); }});
  regs_.add({"MTIME_LO", CLINT_REG_MTIME_LO, 0, RegAccess::ReadWrite, 0xFFFFFFFFu,
             [this](uint32_t v) { write_mtime(with_low(mtime_at(access_time_), v)); },
             [this] { return low(mtime_at(access_time_)); }});
  regs_.add({"MTIME_HI", CLINT_REG_MTIME_HI, 0, RegAccess::ReadWrite, 0xFFFFFFFFu,
             [this](uint32_t v) { write_mtime(with_high(mtime_at(access_time_), v)); },
             [this] { return high(mtime_at(access_time_)); }});
  SC_METHOD(update_outputs);
  sensitive << update_event_;
}

uint64_t Clint::mtime_at(const sc_core::sc_time& now) const {
  return now.value() / config_.tick_period.value() + mtime_offset_;
}

void Clint::write_mtime(uint64_t value) {
  mtime_offset_ = value - access_time_.value() / config_.tick_period.value();
  update_event_.notify(sc_core::SC_ZERO_TIME);
}

void Clint::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // A loosely-timed initiator runs ahead of the kernel: its access happens
  // at kernel time plus its annotated delay.
  access_time_ = sc_core::sc_time_stamp() + delay;
  regs_.transport(trans, static_cast<uint32_t>(trans.get_address()));
}

void Clint::update_outputs() {
  software_irq.write(regs_.get(CLINT_REG_MSIP) & 1u);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const uint64_t mtime = mtime_at(now);
  timer_irq.write(mtime >= mtimecmp_);
  if (mtime >= mtimecmp_) return;
  // Wake up at the first tick where mtime reaches mtimecmp, unless that lies
  // beyond what sc_time can represent (mtimecmp parked at ~0).
  const uint64_t ticks_to_go = mtimecmp_ - mtime;
  const uint64_t period_ps = config_.tick_period.value();
  const uint64_t now_ticks = now.value() / period_ps;
  if (ticks_to_go > (~uint64_t(0) / period_ps) - now_ticks - 1) return;
  const sc_core::sc_time due = sc_core::sc_time::from_value((now_ticks + ticks_to_go) * period_ps);
  update_event_.notify(due - now);
}

}  // namespace loomvp
