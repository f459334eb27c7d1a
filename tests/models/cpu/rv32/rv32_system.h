// A small system around the ISS for its tests: SRAM at 0 (1 MiB), DRAM at
// 0x8000_0000 (4 MiB), and a test device at 0x1000_0000 that logs words and
// drives the timer interrupt line on request (programs/test.h).
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm_utils/simple_target_socket.h>

#include "models/cpu/rv32/rv32_cpu.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "platform/elf_loader.h"

namespace loomvp {
namespace rv32_test {

enum Reg : unsigned {
  zero, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7,
  s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6, pc
};

constexpr uint64_t kSramBytes = 1 << 20, kDramBytes = 4 << 20;
constexpr uint64_t kDramBase = 0x80000000u, kDeviceBase = 0x10000000u;

class TestDevice : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TestDevice> socket;
  sc_core::sc_signal<bool> timer_line;
  std::vector<uint32_t> log;
  std::vector<sc_core::sc_time> log_times;

  explicit TestDevice(sc_core::sc_module_name name) : sc_module(name), socket("socket"), timer_line("timer_line") {
    socket.register_b_transport(this, &TestDevice::b_transport);
    SC_METHOD(drive_line);
    sensitive << raise_event_ << lower_event_;
    dont_initialize();
  }

 private:
  SC_HAS_PROCESS(TestDevice);
  void drive_line() { timer_line.write(raise_event_.triggered()); }
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t offset = trans.get_address();
    if (!trans.is_write() || trans.get_data_length() != 4 || offset > 8 || offset % 4) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    uint32_t value;
    std::memcpy(&value, trans.get_data_ptr(), 4);
    delay += sc_core::sc_time(1, sc_core::SC_NS);
    if (offset == 0) {
      log.push_back(value);
      log_times.push_back(sc_core::sc_time_stamp() + delay);
    } else if (offset == 4) {
      lower_event_.notify(delay);  // at the writer's time
    } else {
      raise_event_.notify(delay + sc_core::sc_time(value, sc_core::SC_NS));
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  sc_core::sc_event raise_event_, lower_event_;
};

inline MemoryConfig memory_config(uint64_t size, unsigned latency_ns) {
  MemoryConfig m;
  m.size_bytes = size;
  m.latency = sc_core::sc_time(latency_ns, sc_core::SC_NS);
  m.bytes_per_beat = 16;
  m.beat_time = sc_core::sc_time(1, sc_core::SC_NS);
  return m;
}

// A test program by name, or any ELF by path.
inline std::string program_path(const std::string& name) {
  return name.find('/') != std::string::npos ? name : std::string(RV32_TEST_PROGRAMS) + "/" + name + ".elf";
}

struct Rv32System {
  ElfImage image;
  Router router;
  Memory sram, dram;
  TestDevice device;
  Rv32Cpu cpu;
  sc_core::sc_signal<bool> external_line, software_line;

  static Rv32Config with_entry(Rv32Config config, const ElfImage& image) {
    config.reset_pc = image.entry();
    return config;
  }

  Rv32System(const std::string& name, const std::string& program, Rv32Config config = Rv32Config())
      : image(ElfImage::read_file(program_path(program))),
        router((name + "_bus").c_str(), RouterConfig{}),
        sram((name + "_sram").c_str(), memory_config(kSramBytes, 1)),
        dram((name + "_dram").c_str(), memory_config(kDramBytes, 50)),
        device((name + "_device").c_str()),
        cpu((name + "_cpu").c_str(), with_entry(config, image)),
        external_line((name + "_external").c_str()),
        software_line((name + "_software").c_str()) {
    router.connect_initiator(cpu.socket, "cpu");
    router.connect_target(sram.socket, "sram", 0, kSramBytes);
    router.connect_target(device.socket, "device", kDeviceBase, 0x1000);
    router.connect_target(dram.socket, "dram", kDramBase, kDramBytes);
    cpu.timer_irq(device.timer_line);
    cpu.external_irq(external_line);
    cpu.software_irq(software_line);
    image.load([this](uint64_t address, const uint8_t* data, uint64_t length) {
      if (address >= kDramBase) return dram.backdoor_write(address - kDramBase, data, length);
      return sram.backdoor_write(address, data, length);
    });
    if (auto tohost = image.symbol("tohost")) cpu.set_tohost(*tohost);
  }

  uint32_t symbol(const std::string& name) const {
    auto value = image.symbol(name);
    if (!value) throw std::runtime_error("no symbol " + name);
    return *value;
  }
  uint32_t word(uint32_t address) {
    uint32_t value = 0;
    if (address >= kDramBase) dram.backdoor_read(address - kDramBase, &value, 4);
    else sram.backdoor_read(address, &value, 4);
    return value;
  }
  void set_word(uint32_t address, uint32_t value) {
    if (address >= kDramBase) dram.backdoor_write(address - kDramBase, &value, 4);
    else sram.backdoor_write(address, &value, 4);
  }
  uint32_t reg(unsigned index) const { return cpu.read_register(index); }
};

}  // namespace rv32_test
}  // namespace loomvp
