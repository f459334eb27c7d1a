#include "runner.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <fstream>
#include <map>
#include <thread>
#include <type_traits>

#include "firmware/include/loom_net.h"
#include "firmware/include/soc_map.h"
#include "models/loom/bitplane.h"
#include "platform/elf_loader.h"
#include "platform/golden_reference.h"
#include "platform/run_limits.h"
#include "platform/networks.h"
#include "platform/soc.h"
#include "platform/user_error.h"

namespace loomvp {

bool RunResult::passed() const {
  if (!stop_reason.empty() || !firmware_exited || firmware_exit_code != 0) return false;
  for (const LayerResult& l : layers)
    if (!l.ran || l.mismatches || l.expected_mismatches) return false;
  return true;
}

namespace {

constexpr uint64_t kTensorAlignment = 64;  // one DMA burst

struct StoredTensor {
  uint32_t address = 0;
  uint32_t prec = 0;  // stored precision (bit planes)
  bool is_signed = false;
  Shape shape;
};

// Bump allocator over DRAM; running out names the setting to change.
class DramPlan {
 public:
  explicit DramPlan(uint64_t size) : size_(size) {}
  uint32_t allocate(uint64_t bytes) {
    const uint64_t start = (used_ + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
    if (start + bytes > size_)
      throw UserError("--set dram.size_bytes", std::to_string(size_),
                      "too small: the workload needs more than " + std::to_string(start + bytes) + " bytes");
    used_ = start + bytes;
    return static_cast<uint32_t>(SOC_DRAM_BASE + start);
  }

 private:
  uint64_t size_, used_ = 0;
};

uint32_t stored_precision(uint32_t fixed, uint32_t profile) { return fixed ? fixed : profile; }

// Concatenation needs the device's output channel offset registers (OUT_C_OFFSET /
// OUT_C_TOTAL, register map); detected from the shared layer table type.
template <typename T, typename = void>
struct HasOutChannelOffset : std::false_type {};
template <typename T>
struct HasOutChannelOffset<T, std::void_t<decltype(T::out_c_offset), decltype(T::out_c_total)>> : std::true_type {};

template <typename T>
void set_out_channels(T& t, uint32_t offset, uint32_t total) {
  if constexpr (HasOutChannelOffset<T>::value) {
    t.out_c_offset = offset;
    t.out_c_total = total;
  }
}

// The device's tiling planner on the layer as the firmware will program it:
// an on-chip buffer too small for one tile is a setting the user must change.
void check_buffers(const loom_layer_t& t, const PlatformConfig& cfg, const std::string& layer) {
  LayerRegs r;
  r.layer_type = t.layer_type;
  r.in_addr = t.in_addr, r.in2_addr = t.in2_addr, r.weight_addr = t.weight_addr;
  r.bias_addr = t.bias_addr, r.out_addr = t.out_addr;
  r.in_c = t.in_c, r.in_h = t.in_h, r.in_w = t.in_w, r.out_c = t.out_c;
  r.kernel = t.kernel, r.stride = t.stride, r.pad = t.pad, r.groups = t.groups;
  r.prec = t.prec, r.quant = t.quant;
  const DecodeResult decoded = decode_layer(r, cfg.loom.limits);
  if (decoded.error) return;  // the device reports it; not a buffer question
  const TilePlan plan = plan_tiles(decoded.desc, engine_spec(cfg.loom.engine), cfg.loom.buffers);
  if (plan.error)
    throw UserError("--set " + std::string(buffer_setting(plan.short_buffer)), layer,
                    plan.detail + "; allowed: at least " + std::to_string(plan.needed_bytes));
}

void collect_rv32(const Rv32Cpu& cpu, RunResult& result) {
  result.cpu.model = "rv32";
  result.cpu.instructions_retired = cpu.instructions_retired();
  result.cpu.cycles = cpu.cycles();
  result.cpu.wfi_ns = cpu.time_in_wfi().to_seconds() * 1e9;
  result.cpu.interrupts_taken = cpu.interrupts_taken();
  if (result.firmware_exited) return;
  if (cpu.halt_reason() == Rv32Cpu::Halt::ToHost) {  // HTIF exit instead of SYSCTRL
    result.firmware_exited = true;
    result.firmware_exit_code = cpu.tohost_value() == 1 ? 0 : cpu.tohost_value() >> 1;
  } else {
    result.cpu.halt_message = cpu.halt_message();
  }
}

}  // namespace

std::string rv32_firmware_path() {
#ifdef LOOMVP_RV32_FIRMWARE
  if (std::ifstream(LOOMVP_RV32_FIRMWARE)) return LOOMVP_RV32_FIRMWARE;
#endif
  return "";
}

RunResult run_workload(const RunOptions& options) {
  const auto host_start = std::chrono::steady_clock::now();
  RunResult result;
  result.platform = load_platform(options.platform, options.engine, options.overrides);
  result.workload = load_workload(resolve_workload(options.workload, options.profile, std::cerr));
  if (options.input) result.workload.input = *options.input;
  const Workload& w = result.workload;
  const PlatformConfig& cfg = result.platform;
  const EngineSpec& engine = engine_spec(cfg.loom.engine);
  if (!w.concats.empty() && !HasOutChannelOffset<loom_layer_t>::value)
    throw UserError(w.path, "layers (" + w.concats[0].name + ")",
                    "concat layers need the device's output channel offset registers, not in this build");
  // The device runs the compiled layers; the golden reference and the
  // statistics keep the original ones (an independent check of the passes).
  const CompiledWorkload compiled = compile_workload(w, cfg.compiler);

  // A layer beyond the device's limits would only fail on the device, after
  // the golden reference had spent its time on it: refuse it up front.
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const WorkloadLayer& L = compiled.layer(w, i);
    const uint64_t elements = std::max({L.in_shape.elements(), L.out_shape.elements(), uint64_t(L.weights.size())});
    const std::string field = "layers[" + std::to_string(i) + "] (" + L.name + ")";
    if (elements > cfg.loom.limits.max_tensor_elements)
      throw UserError(w.path, field, "a tensor of " + std::to_string(elements) + " elements exceeds loom.max_tensor_elements = " +
                                         std::to_string(cfg.loom.limits.max_tensor_elements));
    if (L.macs() > cfg.loom.limits.max_layer_macs)
      throw UserError(w.path, field, std::to_string(L.macs()) + " MACs exceed loom.max_layer_macs = " +
                                         std::to_string(cfg.loom.limits.max_layer_macs));
  }

  // Golden outputs on a second host thread while the platform simulates.
  std::vector<std::vector<int32_t>> golden;
  std::thread reference([&golden, &w] { golden = golden_outputs(w); });
  struct JoinGuard {
    std::thread& t;
    ~JoinGuard() { if (t.joinable()) t.join(); }
  } join_guard{reference};

  Soc soc("soc", cfg, [] { return loom_app_main(); },
          [&result](const std::string& line) { result.console.push_back(line); });

  // Place tensors in DRAM in the engine's storage format.
  DramPlan plan(cfg.dram.size_bytes);
  std::map<std::string, StoredTensor> tensors;
  std::vector<uint8_t> packed;
  const auto store_activations = [&](const std::string& name, const Shape& shape, uint32_t profile_prec,
                                     bool is_signed, const int32_t* values) {
    StoredTensor t{0, stored_precision(engine.stored_act_prec, profile_prec), is_signed, shape};
    const uint64_t bytes = bitplane::activation_bytes(shape.c, shape.h, shape.w, t.prec);
    t.address = plan.allocate(bytes);
    if (values) {
      packed.assign(bytes, 0);
      bitplane::pack_activations(values, shape.c, shape.h, shape.w, t.prec, packed.data());
      soc.dram().backdoor_write(t.address - SOC_DRAM_BASE, packed.data(), bytes);
    }
    tensors[name] = t;
  };
  store_activations(w.input_name, compiled.input_shape, w.input_prec, w.input_signed,
                    compiled.input_values(w).data());
  for (const ConcatTensor& cat : w.concats) store_activations(cat.name, cat.shape, cat.prec, cat.is_signed, nullptr);

  std::vector<loom_layer_t> table;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const WorkloadLayer& L = compiled.layer(w, i);
    LayerResult lr;
    lr.layer = &w.layers[i];
    lr.relayout = compiled.relayout[i];
    lr.has_expected = !L.expected.empty();
    const StoredTensor in = tensors.at(L.inputs[0]);
    loom_layer_t t{};
    t.layer_type = static_cast<uint32_t>(L.type);
    t.in_addr = in.address;
    t.in_c = L.in_shape.c;
    t.in_h = L.in_shape.h;
    t.in_w = L.in_shape.w;
    t.out_c = L.out_shape.c;
    t.kernel = LOOM_YX(L.kh, L.kw);
    t.stride = LOOM_YX(L.sy, L.sx);
    t.pad = LOOM_YX(L.py, L.px);
    t.groups = L.groups;
    uint32_t pa2 = 0, pw = 0;
    if (L.inputs.size() > 1) {
      const StoredTensor& in2 = tensors.at(L.inputs[1]);
      t.in2_addr = in2.address;
      pa2 = in2.prec;
    }
    if (!L.weights.empty()) {
      pw = stored_precision(engine.stored_weight_prec, L.pw);
      const uint32_t cg = L.in_shape.c / L.groups;
      const uint64_t bytes = bitplane::weight_bytes(L.out_shape.c, cg, L.kh, L.kw, pw);
      t.weight_addr = plan.allocate(bytes);
      packed.assign(bytes, 0);
      bitplane::pack_weights(L.weights.data(), L.out_shape.c, cg, L.kh, L.kw, pw, packed.data());
      soc.dram().backdoor_write(t.weight_addr - SOC_DRAM_BASE, packed.data(), bytes);
      t.bias_addr = plan.allocate(L.bias.size() * 4);
      soc.dram().backdoor_write(t.bias_addr - SOC_DRAM_BASE, L.bias.data(), L.bias.size() * 4);
    }
    if (L.concat < 0) {
      store_activations(L.name, L.out_shape, L.out_prec, L.out_signed, nullptr);
    } else {  // written in place into the concatenation, from channel out_c_offset on
      const ConcatTensor& cat = w.concats[L.concat];
      tensors[L.name] = tensors.at(cat.name);
      set_out_channels(t, L.out_c_offset, cat.shape.c);
    }
    const StoredTensor& out = tensors.at(L.name);
    t.out_addr = out.address;
    t.prec = LOOM_PREC(in.prec, pw, out.prec, pa2);
    // Saturate at the profile's precision even when stored wider, so every
    // engine produces the same values.
    t.quant = L.shift | (L.relu ? LOOM_QUANT_RELU : 0) | (in.is_signed ? LOOM_QUANT_IN_SIGNED : 0) |
              (L.in2_signed ? LOOM_QUANT_IN2_SIGNED : 0) | (L.out_signed ? LOOM_QUANT_OUT_SIGNED : 0) |
              LOOM_QUANT_SAT(L.out_prec);
    check_buffers(t, cfg, "layers[" + std::to_string(table.size()) + "] (" + L.name + ")");
    lr.stored_pa = in.prec;
    lr.stored_pw = pw;
    lr.stored_po = out.prec;
    table.push_back(t);
    result.layers.push_back(lr);
  }

  if (cfg.cpu_model == PlatformConfig::CpuModel::Rv32) {
    const std::string elf = rv32_firmware_path();
    if (elf.empty())
      throw UserError("cpu.model", "rv32",
                      "the RV32 firmware was not built (riscv64-unknown-elf-gcc or picolibc missing at configure time; "
                      "scripts/setup.sh installs them)");
    soc.load_elf(ElfImage::read_file(elf));
    soc.rv32_cpu()->set_debug_hook(options.debug_hook);
  }

  // The layer table for the firmware, in SRAM.
  const loom_net_header_t header{LOOM_NET_MAGIC, LOOM_NET_VERSION, static_cast<uint32_t>(table.size()), 0};
  const uint64_t table_bytes = sizeof(header) + table.size() * sizeof(loom_layer_t);
  if (SOC_NET_TABLE_ADDR + table_bytes > cfg.sram.size_bytes)
    throw UserError("--set sram.size_bytes", std::to_string(cfg.sram.size_bytes),
                    "too small for the layer table; needs " + std::to_string(SOC_NET_TABLE_ADDR + table_bytes));
  soc.sram().backdoor_write(SOC_NET_TABLE_ADDR, &header, sizeof(header));
  soc.sram().backdoor_write(SOC_NET_TABLE_ADDR + sizeof(header), table.data(), table.size() * sizeof(loom_layer_t));

  result.stop_reason = simulate_with_limits(cfg.limits, [&soc, &w] {
    const size_t done = soc.loom().layer_log().size();
    if (done >= w.layers.size()) return std::string("the device had finished every layer; the firmware was running");
    return "the device had finished " + std::to_string(done) + " of " + std::to_string(w.layers.size()) +
           " layers; layer " + std::to_string(done) + " (" + w.layers[done].name + ") was running";
  });
  soc.uart().flush();
  result.cpu_bus_errors = soc.cpu_bus_errors();
  result.simulated_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  result.firmware_exited = soc.sysctrl().exit_code().has_value();
  result.firmware_exit_code = soc.sysctrl().exit_code().value_or(0);
  if (const Rv32Cpu* cpu = soc.rv32_cpu()) collect_rv32(*cpu, result);
  result.initiators = soc.router().initiator_stats();
  result.dram_stats = soc.dram().stats();
  result.dram_banks = soc.dram().bank_stats();
  if (soc.traffic()) result.traffic = soc.traffic()->stats();
  result.dram_host_bytes = soc.dram().host_bytes_allocated();

  // Attach the device's records (in order of execution) to the layers.
  const auto& log = soc.loom().layer_log();
  for (size_t i = 0; i < log.size() && i < result.layers.size(); ++i) {
    result.layers[i].record = log[i];
    result.layers[i].ran = log[i].error == LOOM_ERR_NONE;
  }

  reference.join();
  std::vector<int32_t> values;
  for (size_t i = 0; i < result.layers.size(); ++i) {
    LayerResult& lr = result.layers[i];
    if (!lr.ran) continue;
    const WorkloadLayer& L = *lr.layer;
    const StoredTensor& out = tensors.at(L.name);  // a concat part: the whole concatenation
    const uint64_t bytes = bitplane::activation_bytes(out.shape.c, out.shape.h, out.shape.w, out.prec);
    packed.resize(bytes);
    soc.dram().backdoor_read(out.address - SOC_DRAM_BASE, packed.data(), bytes);
    values.resize(out.shape.elements());
    bitplane::unpack_activations(packed.data(), out.shape.c, out.shape.h, out.shape.w, out.prec,
                                 out.is_signed, values.data());
    const uint64_t first = uint64_t{L.out_c_offset} * L.out_shape.h * L.out_shape.w;
    lr.output_fnv1a64 = 0xcbf29ce484222325ull;  // FNV-1a over the layer's int32 outputs, little-endian
    for (size_t k = 0; k < golden[i].size(); ++k) {
      lr.mismatches += values[first + k] != golden[i][k];
      if (lr.has_expected) lr.expected_mismatches += values[first + k] != L.expected[k];
      for (int b = 0; b < 32; b += 8)
        lr.output_fnv1a64 = (lr.output_fnv1a64 ^ ((static_cast<uint32_t>(values[first + k]) >> b) & 0xff)) * 0x100000001b3ull;
    }
    if (i + 1 == result.layers.size()) {
      result.final_output.assign(values.begin() + first, values.begin() + first + golden[i].size());
      result.final_reference = golden[i];
    }
  }
  result.host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
  return result;
}

}  // namespace loomvp
