// A minimal SystemC platform of its own (a CPU-like initiator, a flat
// memory) with the Loom model from the installed LoomVP package: it programs
// one 1x1 convolution through Loom's registers, waits for the interrupt, and
// checks the output against a dot product computed here. Exit 0 on a match.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "firmware/include/loom_regs.h"
#include "models/loom/bitplane.h"
#include "models/loom/loom.h"

namespace {

constexpr uint64_t kDramBase = 0x80000000, kDramSize = 1 << 20;
constexpr uint32_t kInAddr = kDramBase, kWeightAddr = kDramBase + 0x1000, kBiasAddr = kDramBase + 0x2000,
                   kOutAddr = kDramBase + 0x3000;
constexpr uint32_t kChannels = 16, kFilters = 4, kPa = 4, kPw = 4, kPo = 8;

// The platform's memory: a flat byte array at kDramBase, zero-delay. Loom
// reads operands by debug transport and times the DMA with b_transport, so
// a memory serves both.
struct FlatMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<FlatMemory> socket{"socket"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kDramSize);

  explicit FlatMemory(sc_core::sc_module_name name) : sc_module(name) {
    socket.register_b_transport(this, &FlatMemory::b_transport);
    socket.register_transport_dbg(this, &FlatMemory::transport_dbg);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t offset = trans.get_address() - kDramBase;
    if (trans.get_address() < kDramBase || offset + trans.get_data_length() > bytes.size()) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return 0;
    }
    uint8_t* data = trans.get_data_ptr();
    if (trans.is_write()) std::memcpy(&bytes[offset], data, trans.get_data_length());
    else std::memcpy(data, &bytes[offset], trans.get_data_length());
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return trans.get_data_length();
  }
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) { transport_dbg(trans); }
};

// The platform's "CPU": programs the layer as a driver would.
struct Host : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  sc_core::sc_in<bool> irq{"irq"};
  FlatMemory& memory;
  bool passed = false;

  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, FlatMemory& mem) : sc_module(name), memory(mem) { SC_THREAD(run); }

  uint32_t access(tlm::tlm_command command, uint32_t offset, uint32_t value) {
    tlm::tlm_generic_payload trans;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    trans.set_command(command);
    trans.set_address(offset);  // Loom's register socket is bound directly: offsets from 0
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    trans.set_data_length(4);
    trans.set_streaming_width(4);
    socket->b_transport(trans, delay);
    wait(delay);
    if (!trans.is_response_ok()) std::printf("register 0x%03x: TLM error\n", offset);
    return value;
  }
  uint32_t read(uint32_t offset) { return access(tlm::TLM_READ_COMMAND, offset, 0); }
  void write(uint32_t offset, uint32_t value) { access(tlm::TLM_WRITE_COMMAND, offset, value); }

  void run() {
    // Data: unsigned 4-bit activations, signed 4-bit weights, int32 bias.
    std::vector<int32_t> input(kChannels), bias;
    std::vector<int16_t> weights(kFilters * kChannels);
    for (uint32_t c = 0; c < kChannels; ++c) input[c] = static_cast<int32_t>((c * 7 + 3) % 16);
    for (uint32_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int16_t>(static_cast<int>((i * i * 3 + i) % 13) - 6);
    bias = {530, 160, 5, 100};  // outputs 279 (saturates), 39, 72, -42 (ReLU)
    std::vector<uint8_t> packed(loomvp::bitplane::activation_bytes(kChannels, 1, 1, kPa));
    loomvp::bitplane::pack_activations(input.data(), kChannels, 1, 1, kPa, packed.data());
    std::memcpy(&memory.bytes[kInAddr - kDramBase], packed.data(), packed.size());
    packed.assign(loomvp::bitplane::weight_bytes(kFilters, kChannels, 1, 1, kPw), 0);
    loomvp::bitplane::pack_weights(weights.data(), kFilters, kChannels, 1, 1, kPw, packed.data());
    std::memcpy(&memory.bytes[kWeightAddr - kDramBase], packed.data(), packed.size());
    std::memcpy(&memory.bytes[kBiasAddr - kDramBase], bias.data(), bias.size() * 4);

    if (read(LOOM_REG_ID) != LOOM_ID_VALUE) return;
    write(LOOM_REG_LAYER_TYPE, LOOM_LAYER_CONV);
    write(LOOM_REG_IN_ADDR, kInAddr);
    write(LOOM_REG_WEIGHT_ADDR, kWeightAddr);
    write(LOOM_REG_BIAS_ADDR, kBiasAddr);
    write(LOOM_REG_OUT_ADDR, kOutAddr);
    write(LOOM_REG_IN_C, kChannels);
    write(LOOM_REG_IN_H, 1);
    write(LOOM_REG_IN_W, 1);
    write(LOOM_REG_OUT_C, kFilters);
    write(LOOM_REG_KERNEL, LOOM_YX(1, 1));
    write(LOOM_REG_STRIDE, LOOM_YX(1, 1));
    write(LOOM_REG_PAD, 0);
    write(LOOM_REG_GROUPS, 1);
    write(LOOM_REG_PREC, LOOM_PREC(kPa, kPw, kPo, 0));
    write(LOOM_REG_QUANT, LOOM_QUANT_RELU);  // shift 0, unsigned output saturating at 8 bits
    write(LOOM_REG_IRQ_MASK, LOOM_IRQ_DONE | LOOM_IRQ_ERROR);
    write(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    while (!irq.read()) wait(irq.posedge_event());
    const uint32_t status = read(LOOM_REG_STATUS);
    write(LOOM_REG_IRQ_STATUS, read(LOOM_REG_IRQ_STATUS));
    std::printf("interrupt at %s, STATUS 0x%08x, %u cycles\n", sc_core::sc_time_stamp().to_string().c_str(), status,
                read(LOOM_REG_CYCLES_LO));
    if (status != LOOM_STATUS_DONE) return;

    std::vector<uint8_t> out_packed(loomvp::bitplane::activation_bytes(kFilters, 1, 1, kPo));
    std::memcpy(out_packed.data(), &memory.bytes[kOutAddr - kDramBase], out_packed.size());
    std::vector<int32_t> output(kFilters);
    loomvp::bitplane::unpack_activations(out_packed.data(), kFilters, 1, 1, kPo, false, output.data());
    passed = true;
    for (uint32_t f = 0; f < kFilters; ++f) {
      int64_t acc = bias[f];
      for (uint32_t c = 0; c < kChannels; ++c) acc += int64_t{weights[f * kChannels + c]} * input[c];
      const int64_t expected = acc < 0 ? 0 : acc > 255 ? 255 : acc;  // ReLU, saturate at PO = 8 unsigned bits
      std::printf("filter %u: device %d, expected %lld\n", f, output[f], static_cast<long long>(expected));
      passed = passed && output[f] == expected;
    }
  }
};

}  // namespace

int sc_main(int, char**) {
  FlatMemory memory("memory");
  loomvp::LoomConfig config;
  config.limits.dram_base = kDramBase;
  config.limits.dram_size = kDramSize;
  loomvp::Loom loom("loom", config);
  Host host("host", memory);
  sc_core::sc_signal<bool> irq("irq");
  host.socket.bind(loom.reg_socket);
  loom.dma_socket.bind(memory.socket);
  loom.irq(irq);
  host.irq(irq);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  std::printf("%s\n", host.passed ? "PASS" : "FAIL");
  return host.passed ? 0 : 1;
}
