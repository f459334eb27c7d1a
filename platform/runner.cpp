#include "runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <type_traits>

#include <unistd.h>

#include "firmware/include/soc_map.h"
#include "models/loom/bitplane.h"
#include "models/loom/weight_groups.h"
#include "platform/elf_loader.h"
#include "platform/golden_reference.h"
#include "platform/run_limits.h"
#include "platform/networks.h"
#include "platform/paths.h"
#include "platform/soc.h"
#include "platform/trace.h"
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

// Bump allocator over DRAM; running out names the setting to change.
class DramAllocator {
 public:
  explicit DramAllocator(uint64_t size) : size_(size) {}
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

uint64_t stored_bytes(const StoredTensor& t) {
  return bitplane::activation_bytes(t.shape.c, t.shape.h, t.shape.w, t.prec);
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

// A byte buffer reused for every packed tensor, grown but never zero-filled
// (packing writes every byte).
class PackBuffer {
 public:
  uint8_t* get(uint64_t bytes) {
    if (bytes > capacity_) {
      data_.reset(new uint8_t[bytes]);
      capacity_ = bytes;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  uint64_t capacity_ = 0;
};

// The network input packed as stored, into `buffer`.
uint8_t* pack_input(const Workload& w, const CompiledWorkload& compiled, const MemoryPlan& plan, PackBuffer& buffer) {
  const StoredTensor& input = plan.tensors.at(w.input_name);
  uint8_t* packed = buffer.get(stored_bytes(input));
  bitplane::pack_activations(compiled.input_values(w).data(), input.shape.c, input.shape.h, input.shape.w,
                             input.prec, packed);
  return packed;
}

// Every planned tensor in its DRAM bytes (input and weights packed, bias),
// one at a time through a reused buffer: fn(DRAM offset, bytes, length).
template <typename Fn>
void for_each_stored_tensor(const Workload& w, const CompiledWorkload& compiled, const MemoryPlan& plan, Fn fn) {
  PackBuffer buffer;
  uint8_t* packed = pack_input(w, compiled, plan, buffer);
  const StoredTensor& input = plan.tensors.at(w.input_name);
  fn(input.address - SOC_DRAM_BASE, packed, stored_bytes(input));
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const WorkloadLayer& L = compiled.layer(w, i);
    if (!plan.weight_addr[i]) continue;
    const uint32_t pw = LOOM_PREC_PW(plan.table[i].prec);
    const uint32_t cg = L.in_shape.c / L.groups;
    uint64_t bytes = bitplane::weight_bytes(L.out_shape.c, cg, L.kh, L.kw, pw);
    if (plan.table[i].prec & LOOM_PREC_PW_GROUPS) {  // Pw_g of each group from the weights themselves
      WeightGroups groups(L.groups, L.out_shape.c, cg, L.kh, L.kw, pw);
      groups.set_precisions(groups.detect(L.weights.data()));
      bytes = groups.stored_bytes();
      packed = buffer.get(bytes);
      groups.pack(L.weights.data(), packed);
    } else {
      packed = buffer.get(bytes);
      bitplane::pack_weights(L.weights.data(), L.out_shape.c, cg, L.kh, L.kw, pw, packed);
    }
    fn(plan.weight_addr[i] - SOC_DRAM_BASE, packed, bytes);
    fn(plan.bias_addr[i] - SOC_DRAM_BASE, reinterpret_cast<const uint8_t*>(L.bias.data()), L.bias.size() * 4);
  }
}

// The layer table for the firmware, in SRAM.
// The layer table for the firmware, in SRAM: a header, then one chain
// descriptor per layer (the firmware starts them as one chain by default).
void write_layer_table(Memory& sram, const std::vector<loom_layer_t>& layers, const PlatformConfig::Firmware& firmware) {
  const uint32_t flags = (firmware.register_mode ? LOOM_NET_FLAG_REGISTERS : 0) |
                         (firmware.irq_per_layer ? LOOM_NET_FLAG_IRQ_PER_LAYER : 0);
  const loom_net_header_t header{LOOM_NET_MAGIC, LOOM_NET_VERSION, static_cast<uint32_t>(layers.size()), flags};
  std::vector<loom_desc_t> table(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) loom_desc_init(&table[i], &layers[i]);
  sram.backdoor_write(SOC_NET_TABLE_ADDR, &header, sizeof(header));
  sram.backdoor_write(SOC_NET_TABLE_ADDR + sizeof(header), table.data(), table.size() * sizeof(loom_desc_t));
}

// What the platform measured, after the simulation.
void collect(Soc& soc, const CompiledWorkload& compiled, const MemoryPlan& plan, RunResult& result) {
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
  // The golden reference and the statistics keep the original layers.
  const Workload& w = *result.workload;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    LayerResult lr;
    lr.layer = &w.layers[i];
    lr.relayout = compiled.relayout[i];
    lr.has_expected = !w.layers[i].expected.empty();
    lr.stored_pa = LOOM_PREC_PA(plan.table[i].prec);
    lr.stored_pw = LOOM_PREC_PW(plan.table[i].prec);
    lr.stored_po = LOOM_PREC_PO(plan.table[i].prec);
    result.layers.push_back(lr);
  }
  // The device's records, in order of execution.
  const auto& log = soc.loom().layer_log();
  for (size_t i = 0; i < log.size() && i < result.layers.size(); ++i) {
    result.layers[i].record = log[i];
    result.layers[i].ran = log[i].error == LOOM_ERR_NONE;
  }
}

// Counts every completed layer's mismatches against the golden outputs and
// the bundle's expected tensors.
void check_outputs(const Memory& dram, const MemoryPlan& plan, const GoldenOutputs& golden, RunResult& result) {
  std::vector<uint8_t> packed;
  std::vector<int32_t> values;
  for (size_t i = 0; i < result.layers.size(); ++i) {
    LayerResult& lr = result.layers[i];
    if (!lr.ran) continue;
    const WorkloadLayer& L = *lr.layer;
    const StoredTensor& out = plan.tensors.at(L.name);  // a concat part: the whole concatenation
    packed.resize(stored_bytes(out));
    dram.backdoor_read(out.address - SOC_DRAM_BASE, packed.data(), packed.size());
    values.resize(out.shape.elements());
    bitplane::unpack_activations(packed.data(), out.shape.c, out.shape.h, out.shape.w, out.prec, out.is_signed,
                                 values.data());
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
}

}  // namespace

std::string rv32_firmware_path() {
#ifdef LOOMVP_RV32_FIRMWARE
  const std::string elf = built_file("rv32/loom_firmware.elf", LOOMVP_RV32_FIRMWARE);
  if (std::ifstream(elf)) return elf;
#endif
  return "";
}

MemoryPlan plan_memory(const PlatformConfig& cfg, const Workload& w, const CompiledWorkload& compiled) {
  const EngineSpec& engine = engine_spec(cfg.loom.engine);
  if (!w.concats.empty() && !HasOutChannelOffset<loom_layer_t>::value)
    throw UserError(w.path, "layers (" + w.concats[0].name + ")",
                    "concat layers need the device's output channel offset registers, not in this build");
  MemoryPlan plan;
  DramAllocator dram(cfg.dram.size_bytes);
  const auto place_activations = [&](const std::string& name, const Shape& shape, uint32_t profile_prec,
                                     bool is_signed) -> const StoredTensor& {
    StoredTensor t{0, stored_precision(engine.stored_act_prec, profile_prec), is_signed, shape};
    t.address = dram.allocate(stored_bytes(t));
    return plan.tensors[name] = t;
  };
  place_activations(w.input_name, compiled.input_shape, w.input_prec, w.input_signed);
  for (const ConcatTensor& cat : w.concats) place_activations(cat.name, cat.shape, cat.prec, cat.is_signed);

  for (size_t i = 0; i < w.layers.size(); ++i) {
    // The device runs the compiled layer (same name and output shape).
    const WorkloadLayer& L = compiled.layer(w, i);
    const std::string field = "layers[" + std::to_string(i) + "] (" + L.name + ")";
    check_layer_limits(L, cfg.loom.limits, w.path, field);
    const StoredTensor in = plan.tensors.at(L.inputs[0]);
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
    uint32_t pa2 = 0, pw = 0, weight_flags = 0;
    if (L.inputs.size() > 1) {
      const StoredTensor& in2 = plan.tensors.at(L.inputs[1]);
      t.in2_addr = in2.address;
      pa2 = in2.prec;
    }
    if (L.weight_elements()) {
      pw = stored_precision(engine.stored_weight_prec, L.pw);
      const uint32_t cg = L.in_shape.c / L.groups;
      uint64_t weight_bytes = bitplane::weight_bytes(L.out_shape.c, cg, L.kh, L.kw, pw);
      if (cfg.loom.weight_group_precision && engine.serial_weights) {
        // Per-group Pw_g (packed from the weights later): room for the worst
        // case, every group at PW, so the plan needs no tensor values.
        weight_flags = LOOM_PREC_PW_GROUPS;
        weight_bytes = WeightGroups(L.groups, L.out_shape.c, cg, L.kh, L.kw, pw).stored_bytes();
      }
      t.weight_addr = dram.allocate(weight_bytes);
      t.bias_addr = dram.allocate(uint64_t{L.out_shape.c} * 4);
    }
    plan.weight_addr.push_back(t.weight_addr);
    plan.bias_addr.push_back(t.bias_addr);
    if (L.concat < 0) {
      place_activations(L.name, L.out_shape, L.out_prec, L.out_signed);
    } else {  // written in place into the concatenation, from channel out_c_offset on
      const ConcatTensor& cat = w.concats[L.concat];
      plan.tensors[L.name] = plan.tensors.at(cat.name);
      set_out_channels(t, L.out_c_offset, cat.shape.c);
    }
    const StoredTensor& out = plan.tensors.at(L.name);
    t.out_addr = out.address;
    t.prec = LOOM_PREC(in.prec, pw, out.prec, pa2) | weight_flags;
    // Saturate at the profile's precision even when stored wider, so every
    // engine produces the same values.
    t.quant = L.shift | (L.relu ? LOOM_QUANT_RELU : 0) | (in.is_signed ? LOOM_QUANT_IN_SIGNED : 0) |
              (L.in2_signed ? LOOM_QUANT_IN2_SIGNED : 0) | (L.out_signed ? LOOM_QUANT_OUT_SIGNED : 0) |
              LOOM_QUANT_SAT(L.out_prec);
    check_buffers(t, cfg, field);
    plan.table.push_back(t);
  }

  const uint64_t table_bytes = sizeof(loom_net_header_t) + plan.table.size() * sizeof(loom_desc_t);
  if (SOC_NET_TABLE_ADDR + table_bytes > cfg.sram.size_bytes)
    throw UserError("--set sram.size_bytes", std::to_string(cfg.sram.size_bytes),
                    "too small for the layer table; needs " + std::to_string(SOC_NET_TABLE_ADDR + table_bytes));
  return plan;
}

ReferenceJob::ReferenceJob(std::shared_ptr<const Workload> workload) : workload_(std::move(workload)) {
  thread_ = std::thread([this] {
    try {
      outputs_ = golden_outputs(*workload_, &cancel_);
    } catch (...) {
      error_ = std::current_exception();
    }
  });
}

ReferenceJob::~ReferenceJob() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

const GoldenOutputs& ReferenceJob::outputs() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return outputs_;
}

DramImage pack_tensors(const Workload& w, const CompiledWorkload& compiled, const MemoryPlan& plan) {
  DramImage image;
  for_each_stored_tensor(w, compiled, plan, [&image](uint64_t offset, const uint8_t* bytes, uint64_t length) {
    image.blocks.emplace_back(offset, std::vector<uint8_t>(bytes, bytes + length));
  });
  return image;
}

void replace_input(DramImage& image, const Workload& w, const CompiledWorkload& compiled, const MemoryPlan& plan) {
  const StoredTensor& input = plan.tensors.at(w.input_name);
  PackBuffer buffer;
  const uint8_t* packed = pack_input(w, compiled, plan, buffer);
  for (auto& block : image.blocks)
    if (block.first == input.address - SOC_DRAM_BASE) block.second.assign(packed, packed + stored_bytes(input));
}

bool same_layout(const MemoryPlan& a, const MemoryPlan& b) {
  if (a.table.size() != b.table.size() || a.tensors.size() != b.tensors.size()) return false;
  if (std::memcmp(a.table.data(), b.table.data(), a.table.size() * sizeof(loom_layer_t)) != 0) return false;
  for (const auto& item : a.tensors) {
    const auto other = b.tensors.find(item.first);
    if (other == b.tensors.end() || other->second.address != item.second.address ||
        other->second.prec != item.second.prec)
      return false;
  }
  return true;
}

namespace {

// The trace sinks a run asked for, handed to the models before the
// simulation starts; none (a null tracer) otherwise.
class TraceSinks {
 public:
  TraceSinks(Soc& soc, const TraceRequest& request) {
    if (request.json) recorder_ = std::make_unique<TraceRecorder>();
    if (request.vcd) {
      vcd_base_ = (std::filesystem::temp_directory_path() / ("loomvp-" + std::to_string(::getpid()))).string();
      vcd_ = std::make_unique<VcdTracer>("vcd", vcd_base_, soc.loom().clock_period());
    }
    fanout_ = std::make_unique<TraceFanout>(recorder_.get(), vcd_.get());
    if (recorder_ || vcd_) soc.set_tracer(fanout_.get());
  }
  ~TraceSinks() {
    if (vcd_) {
      vcd_->close();
      std::remove((vcd_base_ + ".vcd").c_str());
    }
  }
  void finish(const Workload& workload, RunResult& result) {
    if (recorder_) {
      std::vector<std::string> names;
      for (const WorkloadLayer& layer : workload.layers) names.push_back(layer.name);
      result.trace_json = trace_event_json(*recorder_, names, sc_core::sc_time_stamp().value());
    }
    if (vcd_) {
      vcd_->close();
      std::ifstream in(vcd_base_ + ".vcd", std::ios::binary);
      result.vcd_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }

 private:
  std::unique_ptr<TraceRecorder> recorder_;
  std::unique_ptr<VcdTracer> vcd_;
  std::unique_ptr<TraceFanout> fanout_;
  std::string vcd_base_;
};

}  // namespace

RunResult simulate(const PlatformConfig& cfg, std::shared_ptr<const Workload> workload,
                   const CompiledWorkload& compiled, const MemoryPlan& plan,
                   const std::function<const GoldenOutputs&()>& golden, const DramImage* image,
                   DebugHook* debug_hook, TraceRequest trace) {
  const auto host_start = std::chrono::steady_clock::now();
  RunResult result;
  result.platform = cfg;
  result.workload = std::move(workload);
  Soc soc("soc", cfg, [] { return loom_app_main(); },
          [&result](const std::string& line) { result.console.push_back(line); });
  if (image) {
    for (const auto& block : image->blocks)
      soc.dram().backdoor_write(block.first, block.second.data(), block.second.size());
  } else {
    for_each_stored_tensor(*result.workload, compiled, plan, [&soc](uint64_t offset, const uint8_t* bytes, uint64_t length) {
      soc.dram().backdoor_write(offset, bytes, length);
    });
  }
  write_layer_table(soc.sram(), plan.table, cfg.firmware);
  if (cfg.cpu_model == PlatformConfig::CpuModel::Rv32) {
    soc.load_elf(ElfImage::read_file(rv32_firmware_path()));
    soc.rv32_cpu()->set_debug_hook(debug_hook);
  }

  TraceSinks sinks(soc, trace);
  const Workload& w = *result.workload;
  result.stop_reason = simulate_with_limits(cfg.limits, [&soc, &w] {
    const size_t done = soc.loom().layer_log().size();
    if (done >= w.layers.size()) return std::string("the device had finished every layer; the firmware was running");
    return "the device had finished " + std::to_string(done) + " of " + std::to_string(w.layers.size()) +
           " layers; layer " + std::to_string(done) + " (" + w.layers[done].name + ") was running";
  });
  soc.uart().flush();
  sinks.finish(w, result);
  collect(soc, compiled, plan, result);
  check_outputs(soc.dram(), plan, golden(), result);
  result.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
  return result;
}

void check_cpu_firmware(const PlatformConfig& cfg) {
  if (cfg.cpu_model == PlatformConfig::CpuModel::Rv32 && rv32_firmware_path().empty())
    throw UserError("cpu.model", "rv32",
                    "the RV32 firmware was not built (riscv64-unknown-elf-gcc or picolibc missing at configure time; "
                    "scripts/setup.sh installs them)");
}

LoadedRun load_run(const RunOptions& options) {
  LoadedRun run;
  run.platform = load_platform(options.platform, options.engine, options.overrides);
  check_cpu_firmware(run.platform);
  // Every check before any tensor is generated: shapes, device limits,
  // memory and buffers (on the compiled shapes).
  run.workload =
      std::make_shared<Workload>(read_network(resolve_workload(options.workload, options.profile, std::cerr)));
  check_device_limits(*run.workload, run.platform.loom.limits);
  run.plan = plan_memory(run.platform, *run.workload, compile_workload(*run.workload, run.platform.compiler));
  read_tensors(*run.workload);
  return run;
}

RunResult run_workload(const RunOptions& options) {
  const auto host_start = std::chrono::steady_clock::now();
  LoadedRun loaded = load_run(options);
  const PlatformConfig& cfg = loaded.platform;
  const MemoryPlan& plan = loaded.plan;
  std::shared_ptr<Workload> workload = loaded.workload;
  if (options.input) workload->input = *options.input;
  // The device runs the compiled layers; the golden reference and the
  // statistics keep the original ones (an independent check of the passes).
  const CompiledWorkload compiled = compile_workload(*workload, cfg.compiler);

  // Golden outputs on a second host thread while the platform simulates;
  // cancelled if the simulation throws.
  ReferenceJob reference(workload);
  RunResult result = simulate(cfg, workload, compiled, plan,
                              [&reference]() -> const GoldenOutputs& { return reference.outputs(); }, nullptr,
                              options.debug_hook, TraceRequest{options.trace, options.vcd});
  result.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
  return result;
}

}  // namespace loomvp
