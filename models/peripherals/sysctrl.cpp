#include "sysctrl.h"

#include "firmware/include/soc_map.h"

namespace loomvp {

SysCtrl::SysCtrl(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
  socket.register_b_transport(this, &SysCtrl::b_transport);
  regs_.add({"EXIT", SYSCTRL_REG_EXIT, 0, RegAccess::ReadWrite, 0xFFFFFFFFu, [this](uint32_t value) {
               exit_code_ = value;
               sc_core::sc_stop();
             }, nullptr});
  regs_.add({"SCRATCH", SYSCTRL_REG_SCRATCH, 0, RegAccess::ReadWrite, 0xFFFFFFFFu, nullptr, nullptr});
}

void SysCtrl::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  regs_.transport(trans, static_cast<uint32_t>(trans.get_address()));
}

}  // namespace loomvp
