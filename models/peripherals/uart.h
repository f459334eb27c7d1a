// Console UART: bytes written to TXDATA are collected into lines and handed
// to a sink (the terminal by default), so firmware output is visible.
#pragma once

#include <functional>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/register_bank.h"

namespace loomvp {

class Uart : public sc_core::sc_module {
 public:
  using LineSink = std::function<void(const std::string&)>;
  tlm_utils::simple_target_socket<Uart> socket;

  Uart(sc_core::sc_module_name name, LineSink sink);
  const std::string& transcript() const { return transcript_; }
  // Hands a last line that has no newline yet to the sink.
  void flush();

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  LineSink sink_;
  RegisterBank regs_;
  std::string line_, transcript_;
};

}  // namespace loomvp
