// System control block: the firmware writes its exit code to EXIT, which
// stops the simulation and becomes the run's firmware result.
#pragma once

#include <cstdint>
#include <optional>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/register_bank.h"

namespace loomvp {

class SysCtrl : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<SysCtrl> socket;

  explicit SysCtrl(sc_core::sc_module_name name);
  // The code the firmware wrote to EXIT, if it did.
  std::optional<uint32_t> exit_code() const { return exit_code_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  RegisterBank regs_;
  std::optional<uint32_t> exit_code_;
};

}  // namespace loomvp
