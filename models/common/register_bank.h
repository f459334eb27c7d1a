// A device's registers declared once as a table: offset, reset value, access
// rights and callbacks. The bank answers 32-bit TLM accesses itself, so a
// model never hand-writes an address switch, and a guest mistake (unmapped
// offset, wrong size, write to a read-only register) becomes a TLM error
// response rather than an assert.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <tlm>

namespace loomvp {

enum class RegAccess {
  ReadOnly,        // writes are refused with a command error
  ReadWrite,
  WriteOneToClear, // writing 1 to a bit clears it
};

struct RegisterSpec {
  std::string name;
  uint32_t offset = 0;
  uint32_t reset_value = 0;
  RegAccess access = RegAccess::ReadWrite;
  // Bits a guest write may change; the others keep their value.
  uint32_t write_mask = 0xFFFFFFFFu;
  // Called after a guest write has updated the stored value, with the value
  // the guest wrote (action bits such as START are not stored).
  std::function<void(uint32_t written_value)> on_write;
  // When set, supplies the value a guest read returns (live counters).
  std::function<uint32_t()> on_read;
};

class RegisterBank {
 public:
  void add(RegisterSpec spec);

  // Guest-side access; returns the TLM response status.
  tlm::tlm_response_status read(uint32_t offset, uint32_t& value) const;
  tlm::tlm_response_status write(uint32_t offset, uint32_t value);
  // Full b_transport handling of a 32-bit access at `offset`.
  void transport(tlm::tlm_generic_payload& trans, uint32_t offset);

  // Device-side access: no rights checked, no callbacks.
  uint32_t get(uint32_t offset) const;
  void set(uint32_t offset, uint32_t value);
  void set64(uint32_t lo_offset, uint64_t value);

  void reset();
  const std::map<uint32_t, RegisterSpec>& specs() const { return specs_; }

 private:
  std::map<uint32_t, RegisterSpec> specs_;
  std::map<uint32_t, uint32_t> values_;
};

}  // namespace loomvp
