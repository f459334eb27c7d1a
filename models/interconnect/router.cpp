#include "router.h"

#include <stdexcept>

namespace loomvp {

using sc_core::sc_time;

Router::Router(sc_core::sc_module_name name, const RouterConfig& config)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      config_(config),
      latency_(sc_time::from_value(config.clock_period.value() * config.latency_cycles)) {
  target_socket.register_b_transport(this, &Router::b_transport);
  target_socket.register_transport_dbg(this, &Router::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  initiator_socket.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

void Router::connect_initiator(tlm::tlm_initiator_socket<>& socket, const std::string& name) {
  socket.bind(target_socket);
  InitiatorStats stats;
  stats.name = name;
  initiators_.push_back(stats);
}

void Router::connect_target(tlm::tlm_target_socket<>& socket, const std::string& name,
                            uint64_t base, uint64_t size) {
  for (const Region& region : regions_)
    if (base < region.base + region.size && region.base < base + size)
      throw std::invalid_argument("address map: " + name + " overlaps " + region.name);
  initiator_socket.bind(socket);
  regions_.push_back({name, base, size, BandwidthResource(config_.bytes_per_cycle, config_.clock_period)});
}

Router::Region* Router::decode(uint64_t address, uint64_t length) {
  for (Region& region : regions_)
    if (address >= region.base && address - region.base < region.size)
      return length <= region.size - (address - region.base) ? &region : nullptr;
  return nullptr;
}

void Router::b_transport(int id, tlm::tlm_generic_payload& trans, sc_time& delay) {
  InitiatorStats& stats = initiators_.at(id);
  const uint64_t address = trans.get_address();
  Region* region = decode(address, trans.get_data_length());
  if (!region) {
    ++stats.decode_errors;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + delay;
  const LinkGrant grant = region->link.reserve(arrival, trans.get_data_length(), now);
  stats.arbitration_wait += grant.start - arrival;
  ++stats.transactions;
  (trans.is_read() ? stats.bytes_read : stats.bytes_written) += trans.get_data_length();

  delay = grant.end + latency_ - now;
  trans.set_address(address - region->base);
  initiator_socket[static_cast<int>(region - regions_.data())]->b_transport(trans, delay);
  trans.set_address(address);
  delay += latency_;
}

unsigned int Router::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t address = trans.get_address();
  Region* region = decode(address, trans.get_data_length());
  if (!region) return 0;
  trans.set_address(address - region->base);
  const unsigned int count =
      initiator_socket[static_cast<int>(region - regions_.data())]->transport_dbg(trans);
  trans.set_address(address);
  return count;
}

// A DMI access skips the link, so the router adds the cost an uncontended
// word access would have paid on it: the same time with DMI on or off.
bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const uint64_t address = trans.get_address();
  Region* region = decode(address, 1);
  if (!region) return false;
  trans.set_address(address - region->base);
  const bool granted =
      initiator_socket[static_cast<int>(region - regions_.data())]->get_direct_mem_ptr(trans, dmi);
  trans.set_address(address);
  if (!granted) return false;
  dmi.set_start_address(dmi.get_start_address() + region->base);
  dmi.set_end_address(dmi.get_end_address() + region->base);
  const sc_time link_cost = latency_ * 2.0 + region->link.transfer_time(4);
  dmi.set_read_latency(dmi.get_read_latency() + link_cost);
  dmi.set_write_latency(dmi.get_write_latency() + link_cost);
  return true;
}

void Router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  const Region& region = regions_.at(port);
  for (unsigned int i = 0; i < target_socket.size(); ++i)
    target_socket[i]->invalidate_direct_mem_ptr(start + region.base, end + region.base);
}

}  // namespace loomvp
