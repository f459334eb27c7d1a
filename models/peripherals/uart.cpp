#include "uart.h"

#include "firmware/include/soc_map.h"

namespace loomvp {

Uart::Uart(sc_core::sc_module_name name, LineSink sink)
    : sc_module(name), socket("socket"), sink_(std::move(sink)) {
  socket.register_b_transport(this, &Uart::b_transport);
  regs_.add({"TXDATA", UART_REG_TXDATA, 0, RegAccess::ReadWrite, 0xFFu, [this](uint32_t value) {
               const char c = static_cast<char>(value & 0xFFu);
               transcript_ += c;
               if (c != '\n') {
                 line_ += c;
               } else {
                 if (sink_) sink_(line_);
                 line_.clear();
               }
             }, nullptr});
}

void Uart::flush() {
  if (line_.empty()) return;
  if (sink_) sink_(line_);
  line_.clear();
}

void Uart::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  regs_.transport(trans, static_cast<uint32_t>(trans.get_address()));
}

}  // namespace loomvp
