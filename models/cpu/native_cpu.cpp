#include "native_cpu.h"

#include <cstring>
#include <stdexcept>

namespace loomvp {
namespace {
NativeCpu* current_cpu = nullptr;  // the firmware's C calls have no context argument

NativeCpu& cpu() {
  if (!current_cpu) throw std::logic_error("firmware MMIO outside the native CPU thread");
  return *current_cpu;
}
}  // namespace

NativeCpu::NativeCpu(sc_core::sc_module_name name, const NativeCpuConfig& config,
                     std::function<int()> firmware)
    : sc_module(name), socket("socket"), irq("irq"), config_(config), firmware_(std::move(firmware)) {
  socket.register_invalidate_direct_mem_ptr(this, &NativeCpu::invalidate_direct_mem_ptr);
  tlm_utils::tlm_quantumkeeper::set_global_quantum(config_.quantum);
  quantum_keeper_.reset();
  SC_THREAD(run);
  set_stack_size(1 << 20);  // firmware runs on this thread's stack
}

void NativeCpu::run() {
  current_cpu = this;
  if (tracer_) tracer_->begin(TraceTrack::Cpu, "driver", current_time());
  firmware_();
  quantum_keeper_.sync();
  if (tracer_) tracer_->end(TraceTrack::Cpu, sc_core::sc_time_stamp());
  finished_ = true;
  current_cpu = nullptr;
}

void NativeCpu::access(tlm::tlm_command command, uint32_t address, uint32_t& value) {
  quantum_keeper_.inc(config_.clock_period);  // issuing the load or store
  if (config_.use_dmi && dmi_valid_ && address >= dmi_.get_start_address() &&
      address + 3ull <= dmi_.get_end_address()) {
    uint8_t* host = dmi_.get_dmi_ptr() + (address - dmi_.get_start_address());
    if (command == tlm::TLM_READ_COMMAND) {
      std::memcpy(&value, host, 4);
      quantum_keeper_.inc(dmi_.get_read_latency());
    } else {
      std::memcpy(host, &value, 4);
      quantum_keeper_.inc(dmi_.get_write_latency());
    }
  } else {
    payload_.set_command(command);
    payload_.set_address(address);
    payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    payload_.set_data_length(4);
    payload_.set_streaming_width(4);
    payload_.set_byte_enable_ptr(nullptr);
    payload_.set_dmi_allowed(false);
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = quantum_keeper_.get_local_time();
    socket->b_transport(payload_, delay);
    quantum_keeper_.set(delay);
    if (payload_.is_response_error()) {
      ++bus_errors_;  // a real core would trap; the driver sees all-ones
      if (command == tlm::TLM_READ_COMMAND) value = 0xFFFFFFFFu;
    } else if (config_.use_dmi && payload_.is_dmi_allowed()) {
      tlm::tlm_generic_payload request;
      request.set_address(address);
      request.set_command(command);
      dmi_valid_ = socket->get_direct_mem_ptr(request, dmi_);
    }
  }
  if (quantum_keeper_.need_sync()) quantum_keeper_.sync();
}

uint32_t NativeCpu::read32(uint32_t address) {
  uint32_t value = 0;
  access(tlm::TLM_READ_COMMAND, address, value);
  return value;
}

void NativeCpu::write32(uint32_t address, uint32_t value) {
  access(tlm::TLM_WRITE_COMMAND, address, value);
}

void NativeCpu::wait_for_interrupt() {
  quantum_keeper_.sync();  // the device must see our time before we sleep
  if (tracer_) tracer_->begin(TraceTrack::Cpu, "wait for interrupt", sc_core::sc_time_stamp());
  if (!irq.read()) sc_core::wait(irq.posedge_event());
  if (tracer_) tracer_->end(TraceTrack::Cpu, sc_core::sc_time_stamp());
  quantum_keeper_.reset();
}

void NativeCpu::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) { dmi_valid_ = false; }

}  // namespace loomvp

extern "C" {
uint32_t loomvp_native_read32(uint32_t address) { return loomvp::cpu().read32(address); }
void loomvp_native_write32(uint32_t address, uint32_t value) { loomvp::cpu().write32(address, value); }
void loomvp_native_wait_for_interrupt(void) { loomvp::cpu().wait_for_interrupt(); }
}
