#include "plic.h"

#include <stdexcept>

#include "firmware/include/soc_map.h"

namespace loomvp {

Plic::Plic(sc_core::sc_module_name name, unsigned source_count)
    : sc_module(name), socket("socket"), sources("sources", source_count), external_irq("external_irq") {
  if (source_count == 0 || source_count >= PLIC_SOURCES)
    throw std::logic_error("PLIC: source count must be 1.." + std::to_string(PLIC_SOURCES - 1));
  socket.register_b_transport(this, &Plic::b_transport);
  const auto notify = [this](uint32_t) { update_event_.notify(sc_core::SC_ZERO_TIME); };
  for (unsigned id = 1; id <= source_count; ++id)
    regs_.add({"PRIORITY" + std::to_string(id), PLIC_REG_PRIORITY(id), 0, RegAccess::ReadWrite,
               PLIC_MAX_PRIORITY, notify, nullptr});
  regs_.add({"PENDING", PLIC_REG_PENDING, 0, RegAccess::ReadOnly, 0, nullptr, [this] { return pending_; }});
  // Bit 0 (no source) and bits of absent sources stay 0.
  const uint32_t present = static_cast<uint32_t>(((uint64_t(1) << (source_count + 1)) - 1) & ~1ull);
  regs_.add({"ENABLE", PLIC_REG_ENABLE, 0, RegAccess::ReadWrite, present, notify, nullptr});
  regs_.add({"THRESHOLD", PLIC_REG_THRESHOLD, 0, RegAccess::ReadWrite, PLIC_MAX_PRIORITY, notify, nullptr});
  // CLAIM: a read claims, a write of an id completes; nothing is stored.
  regs_.add({"CLAIM", PLIC_REG_CLAIM, 0, RegAccess::ReadWrite, 0, [this](uint32_t id) { complete(id); },
             [this] { return claim(); }});
  SC_METHOD(update);
  sensitive << update_event_;
  for (auto& line : sources) sensitive << line;
}

uint32_t Plic::best_source() const {
  const uint32_t candidates = pending_ & regs_.get(PLIC_REG_ENABLE);
  const uint32_t threshold = regs_.get(PLIC_REG_THRESHOLD);
  uint32_t best = 0, best_priority = threshold;
  for (uint32_t id = 1; id <= sources.size(); ++id) {
    const uint32_t priority = regs_.get(PLIC_REG_PRIORITY(id));
    if ((candidates >> id & 1u) && priority > best_priority) {  // ties: lowest id
      best = id;
      best_priority = priority;
    }
  }
  return best;
}

uint32_t Plic::claim() {
  const uint32_t best = best_source();
  if (best) {
    pending_ &= ~(1u << best);
    in_service_ |= 1u << best;
    update_event_.notify(sc_core::SC_ZERO_TIME);
  }
  return best;
}

void Plic::complete(uint32_t id) {
  // Completing an id that is not in service is ignored, as the PLIC spec says.
  if (id == 0 || id > sources.size() || !(in_service_ >> id & 1u)) return;
  in_service_ &= ~(1u << id);
  update_event_.notify(sc_core::SC_ZERO_TIME);
}

void Plic::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  regs_.transport(trans, static_cast<uint32_t>(trans.get_address()));
}

void Plic::update() {
  for (uint32_t id = 1; id <= sources.size(); ++id)
    if (sources[id - 1].read() && !(in_service_ >> id & 1u)) pending_ |= 1u << id;
  external_irq.write(best_source() != 0);
}

}  // namespace loomvp
