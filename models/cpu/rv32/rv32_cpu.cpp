#include "rv32_cpu.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace loomvp {
namespace {

enum Op : uint8_t {
  kNotDecoded = 0,  // a page entry not decoded yet (or invalidated)
  kBreakpoint,      // a debugger breakpoint sits here
  kPageEnd,         // one past a page's last word
  kIllegal,
  kLui, kAuipc, kJal, kJalr,
  kBeq, kBne, kBlt, kBge, kBltu, kBgeu,
  kLb, kLh, kLw, kLbu, kLhu, kSb, kSh, kSw,
  kAddi, kSlti, kSltiu, kXori, kOri, kAndi, kSlli, kSrli, kSrai,
  kAdd, kSub, kSll, kSlt, kSltu, kXor, kSrl, kSra, kOr, kAnd,
  kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu,
  kFence, kEcall, kEbreak, kMret, kWfi,
  kCsrrw, kCsrrs, kCsrrc, kCsrrwi, kCsrrsi, kCsrrci,
};

// Exception causes (mcause with the interrupt bit clear).
constexpr uint32_t kCauseFetchMisaligned = 0;
constexpr uint32_t kCauseFetchAccess = 1;
constexpr uint32_t kCauseIllegal = 2;
constexpr uint32_t kCauseBreakpoint = 3;
constexpr uint32_t kCauseLoadMisaligned = 4;
constexpr uint32_t kCauseLoadAccess = 5;
constexpr uint32_t kCauseStoreMisaligned = 6;
constexpr uint32_t kCauseStoreAccess = 7;
constexpr uint32_t kCauseEcallM = 11;
constexpr uint32_t kInterruptBit = 0x80000000u;

// mip / mie bits, and the interrupt codes they stand for.
constexpr uint32_t kMsip = 1u << 3, kMtip = 1u << 7, kMeip = 1u << 11;
constexpr uint32_t kIrqLines = kMsip | kMtip | kMeip;
constexpr uint32_t kMstatusMie = 1u << 3, kMstatusMpie = 1u << 7, kMstatusMpp = 3u << 11;

constexpr uint32_t kMisa = 0x40000000u | (1u << 8) | (1u << 12);  // RV32, I, M

enum Csr : uint32_t {
  kCsrMstatus = 0x300, kCsrMisa = 0x301, kCsrMie = 0x304, kCsrMtvec = 0x305, kCsrMstatush = 0x310,
  kCsrMscratch = 0x340, kCsrMepc = 0x341, kCsrMcause = 0x342, kCsrMtval = 0x343, kCsrMip = 0x344,
  kCsrMcycle = 0xB00, kCsrMinstret = 0xB02, kCsrMcycleh = 0xB80, kCsrMinstreth = 0xB82,
  kCsrCycle = 0xC00, kCsrInstret = 0xC02, kCsrCycleh = 0xC80, kCsrInstreth = 0xC82,
  kCsrMvendorid = 0xF11, kCsrMarchid = 0xF12, kCsrMimpid = 0xF13, kCsrMhartid = 0xF14,
};


}  // namespace

// One entry per word of a 4 KiB page, then an end marker.
struct Rv32Cpu::DecodedPage {
  DecodedPage() { insn[kPageBytes / 4].op = kPageEnd; }
  Decoded insn[kPageBytes / 4 + 1] = {};
};

Rv32Cpu::Decoded Rv32Cpu::decode(uint32_t raw) {
  Decoded d{kIllegal, 0, 0, 0, static_cast<int32_t>(raw)};
  const uint32_t opcode = raw & 0x7f, funct3 = (raw >> 12) & 7, funct7 = raw >> 25;
  const uint8_t rd = (raw >> 7) & 31, rs1 = (raw >> 15) & 31, rs2 = (raw >> 20) & 31;
  const int32_t imm_i = static_cast<int32_t>(raw) >> 20;
  // Immediates assembled unsigned, then sign-extended: no left shift of a
  // negative number (undefined behaviour before C++20, flagged by UBSan).
  const auto sign_extend = [](uint32_t value, unsigned bits) {
    const uint32_t sign = 1u << (bits - 1);
    return static_cast<int32_t>((value ^ sign) - sign);
  };
  const int32_t imm_s = sign_extend((raw >> 25) << 5 | ((raw >> 7) & 31), 12);
  const int32_t imm_b = sign_extend((raw >> 31) << 12 | ((raw >> 7) & 1) << 11 | ((raw >> 25) & 0x3f) << 5 |
                                        ((raw >> 8) & 0xf) << 1,
                                    13);
  const int32_t imm_u = static_cast<int32_t>(raw & 0xfffff000u);
  const int32_t imm_j = sign_extend((raw >> 31) << 20 | (raw & 0xff000) | ((raw >> 20) & 1) << 11 |
                                        ((raw >> 21) & 0x3ff) << 1,
                                    21);
  auto make = [&](uint8_t op, int32_t imm) {
    return Decoded{op, static_cast<uint8_t>(rd == 0 ? 32 : rd), rs1, rs2, imm};
  };
  switch (opcode) {
    case 0x37: return make(kLui, imm_u);
    case 0x17: return make(kAuipc, imm_u);
    case 0x6f: return make(kJal, imm_j);
    case 0x67: return funct3 == 0 ? make(kJalr, imm_i) : d;
    case 0x63: {
      static const uint8_t ops[8] = {kBeq, kBne, kIllegal, kIllegal, kBlt, kBge, kBltu, kBgeu};
      return ops[funct3] == kIllegal ? d : make(ops[funct3], imm_b);
    }
    case 0x03: {
      static const uint8_t ops[8] = {kLb, kLh, kLw, kIllegal, kLbu, kLhu, kIllegal, kIllegal};
      return ops[funct3] == kIllegal ? d : make(ops[funct3], imm_i);
    }
    case 0x23: {
      static const uint8_t ops[8] = {kSb, kSh, kSw, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal};
      return ops[funct3] == kIllegal ? d : make(ops[funct3], imm_s);
    }
    case 0x13: {
      switch (funct3) {
        case 0: return make(kAddi, imm_i);
        case 2: return make(kSlti, imm_i);
        case 3: return make(kSltiu, imm_i);
        case 4: return make(kXori, imm_i);
        case 6: return make(kOri, imm_i);
        case 7: return make(kAndi, imm_i);
        case 1: return funct7 == 0 ? make(kSlli, rs2) : d;  // shamt[5] set is illegal on RV32
        default: return funct7 == 0 ? make(kSrli, rs2) : funct7 == 0x20 ? make(kSrai, rs2) : d;
      }
    }
    case 0x33: {
      static const uint8_t base[8] = {kAdd, kSll, kSlt, kSltu, kXor, kSrl, kOr, kAnd};
      static const uint8_t muldiv[8] = {kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu};
      if (funct7 == 0) return make(base[funct3], 0);
      if (funct7 == 1) return make(muldiv[funct3], 0);
      if (funct7 == 0x20 && funct3 == 0) return make(kSub, 0);
      if (funct7 == 0x20 && funct3 == 5) return make(kSra, 0);
      return d;
    }
    case 0x0f: return funct3 <= 1 ? make(kFence, 0) : d;  // fence, fence.i: decode is coherent already
    case 0x73: {
      if (funct3 == 0) {
        if (raw == 0x00000073u) return make(kEcall, 0);
        if (raw == 0x00100073u) return make(kEbreak, 0);
        if (raw == 0x30200073u) return make(kMret, 0);
        if (raw == 0x10500073u) return make(kWfi, 0);
        return d;
      }
      static const uint8_t ops[8] = {kIllegal, kCsrrw, kCsrrs, kCsrrc, kIllegal, kCsrrwi, kCsrrsi, kCsrrci};
      return ops[funct3] == kIllegal ? d : make(ops[funct3], static_cast<int32_t>(raw >> 20));
    }
    default: return d;
  }
}

Rv32Cpu::Rv32Cpu(sc_core::sc_module_name name, const Rv32Config& config)
    : sc_module(name),
      socket("socket"),
      timer_irq("timer_irq"),
      external_irq("external_irq"),
      software_irq("software_irq"),
      config_(config) {
  if (config_.cycles_per_instruction == 0 || config_.clock_period == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument("Rv32Cpu: clock period and cycles_per_instruction must be positive");
  cpi_units_ = config_.clock_period.value() * config_.cycles_per_instruction;
  socket.register_invalidate_direct_mem_ptr(this, &Rv32Cpu::invalidate_direct_mem_ptr);
  tlm_utils::tlm_quantumkeeper::set_global_quantum(config_.quantum);
  quantum_keeper_.reset();
  pc_ = config_.reset_pc;
  mstatus_ = kMstatusMpp;
  forget_fast_regions();
  SC_THREAD(run);
  SC_METHOD(update_irq_lines);
  sensitive << timer_irq << external_irq << software_irq;
}

Rv32Cpu::~Rv32Cpu() = default;

void Rv32Cpu::set_tohost(uint64_t address) {
  tohost_ = address <= 0xFFFFFFFCu && address % 4 == 0 ? static_cast<uint32_t>(address) : kNoTohost;
}

void Rv32Cpu::set_debug_hook(DebugHook* hook) { debug_hook_ = hook; }

// ---------------------------------------------------------------------------
// Time

uint64_t Rv32Cpu::local_now() const { return local_units_ + (instret_ - batch_start_instret_) * cpi_units_; }

sc_core::sc_time Rv32Cpu::current_time() const {
  if (stopped_) return stop_time_;
  return sc_core::sc_time_stamp() + sc_core::sc_time::from_value(local_now());
}

uint64_t Rv32Cpu::cycles() const { return current_time().value() / config_.clock_period.value(); }

void Rv32Cpu::fold_local_time() {
  local_units_ = local_now();
  batch_start_instret_ = instret_;
}

void Rv32Cpu::sync_time() {
  fold_local_time();
  quantum_keeper_.set(sc_core::sc_time::from_value(local_units_));
  quantum_keeper_.sync();
  local_units_ = 0;
  bus_write_since_sync_ = false;
}

void Rv32Cpu::add_latency(uint64_t units) {
  local_units_ += units;
  if (local_now() >= batch_end_units_) batch_stop_instret_ = instret_ + 1;  // after this one
}

// ---------------------------------------------------------------------------
// Main loop: batches of instructions up to the next quantum boundary.

void Rv32Cpu::run() {
  while (halt_ == Halt::Running) {
    if (debug_hook_ && debug_hook_->stop_requested()) {
      debug_stop(StopReason::Interrupt);
      if (halt_ != Halt::Running) break;
    }
    if (irq_check_) {
      // A device write (an interrupt acknowledge) must reach the lines first.
      if (bus_write_since_sync_) sync_time();
      check_interrupts();
    }

    fold_local_time();
    batch_end_units_ = tlm::tlm_global_quantum::instance().compute_local_quantum().value();
    const uint64_t budget = local_units_ < batch_end_units_
                                ? (batch_end_units_ - local_units_ + cpi_units_ - 1) / cpi_units_
                                : 1;
    batch_stop_instret_ = instret_ + budget;
    if (config_.max_instructions) batch_stop_instret_ = std::min(batch_stop_instret_, config_.max_instructions);
    if (stepping_) batch_stop_instret_ = instret_ + 1;
    const uint64_t before = instret_;
    const uint64_t traps_before = traps_;

    run_batch();

    if (halt_after_instruction_) halt(Halt::ToHost, "");
    if (halt_ != Halt::Running) break;
    if (config_.max_instructions && instret_ >= config_.max_instructions) {
      halt(Halt::InstructionLimit, "");
      break;
    }
    if (stepping_ && (instret_ != before || traps_ != traps_before)) debug_stop(StopReason::Step);
    if (halt_ != Halt::Running) break;
    if (wfi_pending_) {
      wfi_pending_ = false;
      wait_for_interrupt();
    } else {
      fold_local_time();
      quantum_keeper_.set(sc_core::sc_time::from_value(local_units_));
      if (quantum_keeper_.need_sync()) sync_time();
    }
  }
  sync_time();
  stop_time_ = sc_core::sc_time_stamp();
  stopped_ = true;
  halted_event_.notify(sc_core::SC_ZERO_TIME);
  if (debug_hook_ && halt_ != Halt::Killed) debug_hook_->on_stop(*this, StopReason::Exited);
}

Rv32Cpu::DecodedPage* Rv32Cpu::page_for(uint32_t address) {
  auto& level2 = pages_[address >> 22];
  if (!level2) level2 = std::make_unique<std::array<std::unique_ptr<DecodedPage>, 1024>>();
  auto& page = (*level2)[(address >> kPageBits) & 1023];
  if (!page) page = std::make_unique<DecodedPage>();
  return page.get();
}

void Rv32Cpu::forget_decoded_word(uint32_t address) {
  const auto& level2 = pages_[address >> 22];
  if (!level2) return;
  const auto& page = (*level2)[(address >> kPageBits) & 1023];
  if (page) page->insn[(address >> 2) & (kPageBytes / 4 - 1)].op = kNotDecoded;
}

void Rv32Cpu::invalidate_decoded(uint64_t start, uint64_t end) {
  if (start > 0xFFFFFFFFu) return;
  end = std::min<uint64_t>(end, 0xFFFFFFFFu);
  for (uint64_t word = start & ~3ull; word <= end; word += 4) {
    const auto& level2 = pages_[word >> 22];
    if (!level2) {
      word = (word | ((1ull << 22) - 1)) - 3;  // skip the empty 4 MiB
      continue;
    }
    const auto& page = (*level2)[(word >> kPageBits) & 1023];
    if (!page) {
      word = (word | (kPageBytes - 1)) - 3;
      continue;
    }
    page->insn[(word >> 2) & (kPageBytes / 4 - 1)].op = kNotDecoded;
  }
}

uint32_t Rv32Cpu::raise(uint32_t cause, uint32_t tval, uint32_t epc) {
  local_units_ += cpi_units_;  // the faulting instruction still took its slot
  ++traps_;
  if (stepping_) batch_stop_instret_ = instret_;  // a step ends at the handler's first instruction
  if (last_exception_instret_ == instret_) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "trap cause %u at pc 0x%08x while entering the previous trap's handler (mtvec 0x%08x)",
                  cause, epc, mtvec_);
    halt(Halt::DoubleFault, text);
    return epc;
  }
  last_exception_instret_ = instret_;
  return take_trap(cause, tval, epc);
}

uint32_t Rv32Cpu::take_trap(uint32_t cause, uint32_t tval, uint32_t epc) {
  mepc_ = epc;
  mcause_ = cause;
  mtval_ = tval;
  mstatus_ = (mstatus_ & ~kMstatusMpie) | ((mstatus_ & kMstatusMie) ? kMstatusMpie : 0);
  mstatus_ &= ~kMstatusMie;
  const uint32_t base = mtvec_ & ~3u;
  if ((cause & kInterruptBit) && (mtvec_ & 1)) return base + 4 * (cause & ~kInterruptBit);
  return base;
}

uint32_t Rv32Cpu::illegal(uint32_t pc) {
  uint32_t raw = 0;
  fetch_word(pc, raw);
  return raise(kCauseIllegal, raw, pc);
}

// The fast paths of loads and stores, inlined into the interpreter loop.
template <unsigned Size>
inline bool Rv32Cpu::load(uint32_t address, uint32_t& value) {
  if (address & (Size - 1)) return fault(kCauseLoadMisaligned, address);
  const DmiBlock& block = read_blocks_[(address >> kDmiBlockBits) % kDmiBlocks];
  if (block.tag == address >> kDmiBlockBits) {
    value = 0;
    std::memcpy(&value, block.host + (address & (kDmiBlockBytes - 1)), Size);
    add_latency(block.latency_units);
    return true;
  }
  uint8_t bytes[4] = {};
  if (!slow_access(tlm::TLM_READ_COMMAND, address, Size, bytes)) return fault(kCauseLoadAccess, address);
  value = 0;
  std::memcpy(&value, bytes, Size);
  return true;
}

template <unsigned Size>
inline bool Rv32Cpu::store(uint32_t address, uint32_t value) {
  if (address & (Size - 1)) return fault(kCauseStoreMisaligned, address);
  const DmiBlock& block = write_blocks_[(address >> kDmiBlockBits) % kDmiBlocks];
  if (block.tag == address >> kDmiBlockBits) {
    std::memcpy(block.host + (address & (kDmiBlockBytes - 1)), &value, Size);
    add_latency(block.latency_units);
  } else if (!slow_access(tlm::TLM_WRITE_COMMAND, address, Size, reinterpret_cast<uint8_t*>(&value))) {
    return fault(kCauseStoreAccess, address);
  }
  forget_decoded_word(address);
  if ((address & ~3u) == tohost_ && value != 0) {
    tohost_value_ = value;
    halt_after_instruction_ = true;
    batch_stop_instret_ = instret_ + 1;
  }
  return true;
}

void Rv32Cpu::run_batch() {
  uint32_t pc = pc_;
  uint32_t* const x = x_;
  uint32_t page_base = 1;  // never equals an aligned page base
  DecodedPage* page = nullptr;
  Decoded resumed;  // the instruction under a breakpoint, when resuming over it
  uint32_t target;  // of a taken jump or branch
  if (pc & 3) pc = raise(kCauseFetchMisaligned, pc, pc);

  // Sequential flow skips the page check: running off the end of a page
  // reaches its kPageEnd entry. Every other change of pc goes to new_pc.
  for (;;) {
  new_pc:
    if ((pc & ~(kPageBytes - 1)) != page_base) {
      page_base = pc & ~(kPageBytes - 1);
      page = page_for(pc);
    }
  next:
    if (instret_ >= batch_stop_instret_) break;
    const Decoded* d = &page->insn[(pc - page_base) >> 2];
  dispatch:
    switch (d->op) {
      case kNotDecoded: {
        uint32_t raw;
        if (!fetch_word(pc, raw)) {
          pc = raise(kCauseFetchAccess, pc, pc);
          goto new_pc;
        }
        Decoded& entry = page->insn[(pc - page_base) >> 2];
        entry = decode(raw);
        if (!breakpoints_.empty() && std::find(breakpoints_.begin(), breakpoints_.end(), pc) != breakpoints_.end())
          entry.op = kBreakpoint;
        d = &entry;
        goto dispatch;
      }
      case kBreakpoint: {
        uint32_t raw;
        if (pc == resume_pc_ && instret_ == resume_instret_ && fetch_word(pc, raw)) {
          resume_pc_ = kNoTohost;
          resumed = decode(raw);
          d = &resumed;
          goto dispatch;
        }
        pc_ = pc;
        debug_stop(StopReason::Breakpoint);
        pc = pc_;
        page_base = 1;  // the debugger may have changed memory or pc
        if (halt_ != Halt::Running) return;
        if (pc & 3) pc = raise(kCauseFetchMisaligned, pc, pc);
        resume_pc_ = pc;  // go on by executing the instruction under the breakpoint once
        resume_instret_ = instret_;
        goto new_pc;
      }
      case kPageEnd: goto new_pc;
      case kIllegal: pc = raise(kCauseIllegal, static_cast<uint32_t>(d->imm), pc); goto new_pc;

      case kLui: x[d->rd] = d->imm; break;
      case kAuipc: x[d->rd] = pc + d->imm; break;
      case kJal: target = pc + d->imm; goto link_and_jump;
      case kJalr: target = (x[d->rs1] + d->imm) & ~1u; goto link_and_jump;

#define LOOMVP_BRANCH(op, condition) \
  case op:                           \
    if (condition) {                 \
      target = pc + d->imm;          \
      goto jump;                     \
    }                                \
    break;
        LOOMVP_BRANCH(kBeq, x[d->rs1] == x[d->rs2])
        LOOMVP_BRANCH(kBne, x[d->rs1] != x[d->rs2])
        LOOMVP_BRANCH(kBlt, static_cast<int32_t>(x[d->rs1]) < static_cast<int32_t>(x[d->rs2]))
        LOOMVP_BRANCH(kBge, static_cast<int32_t>(x[d->rs1]) >= static_cast<int32_t>(x[d->rs2]))
        LOOMVP_BRANCH(kBltu, x[d->rs1] < x[d->rs2])
        LOOMVP_BRANCH(kBgeu, x[d->rs1] >= x[d->rs2])
#undef LOOMVP_BRANCH

#define LOOMVP_LOAD(op, size, convert)                         \
  case op: {                                                   \
    uint32_t value;                                            \
    if (!load<size>(x[d->rs1] + d->imm, value)) {              \
      pc = raise(fault_cause_, fault_tval_, pc);               \
      goto new_pc;                                                \
    }                                                          \
    x[d->rd] = convert;                                        \
    break;                                                     \
  }
        LOOMVP_LOAD(kLb, 1, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(value))))
        LOOMVP_LOAD(kLh, 2, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(value))))
        LOOMVP_LOAD(kLw, 4, value)
        LOOMVP_LOAD(kLbu, 1, value)
        LOOMVP_LOAD(kLhu, 2, value)
#undef LOOMVP_LOAD

#define LOOMVP_STORE(op, size)                                 \
  case op:                                                     \
    if (!store<size>(x[d->rs1] + d->imm, x[d->rs2])) {         \
      pc = raise(fault_cause_, fault_tval_, pc);               \
      goto new_pc;                                                \
    }                                                          \
    break;
        LOOMVP_STORE(kSb, 1)
        LOOMVP_STORE(kSh, 2)
        LOOMVP_STORE(kSw, 4)
#undef LOOMVP_STORE

      case kAddi: x[d->rd] = x[d->rs1] + d->imm; break;
      case kSlti: x[d->rd] = static_cast<int32_t>(x[d->rs1]) < d->imm; break;
      case kSltiu: x[d->rd] = x[d->rs1] < static_cast<uint32_t>(d->imm); break;
      case kXori: x[d->rd] = x[d->rs1] ^ d->imm; break;
      case kOri: x[d->rd] = x[d->rs1] | d->imm; break;
      case kAndi: x[d->rd] = x[d->rs1] & d->imm; break;
      case kSlli: x[d->rd] = x[d->rs1] << d->imm; break;
      case kSrli: x[d->rd] = x[d->rs1] >> d->imm; break;
      case kSrai: x[d->rd] = static_cast<uint32_t>(static_cast<int32_t>(x[d->rs1]) >> d->imm); break;
      case kAdd: x[d->rd] = x[d->rs1] + x[d->rs2]; break;
      case kSub: x[d->rd] = x[d->rs1] - x[d->rs2]; break;
      case kSll: x[d->rd] = x[d->rs1] << (x[d->rs2] & 31); break;
      case kSlt: x[d->rd] = static_cast<int32_t>(x[d->rs1]) < static_cast<int32_t>(x[d->rs2]); break;
      case kSltu: x[d->rd] = x[d->rs1] < x[d->rs2]; break;
      case kXor: x[d->rd] = x[d->rs1] ^ x[d->rs2]; break;
      case kSrl: x[d->rd] = x[d->rs1] >> (x[d->rs2] & 31); break;
      case kSra: x[d->rd] = static_cast<uint32_t>(static_cast<int32_t>(x[d->rs1]) >> (x[d->rs2] & 31)); break;
      case kOr: x[d->rd] = x[d->rs1] | x[d->rs2]; break;
      case kAnd: x[d->rd] = x[d->rs1] & x[d->rs2]; break;

      case kMul: x[d->rd] = x[d->rs1] * x[d->rs2]; break;
      case kMulh:
        x[d->rd] = static_cast<uint32_t>(
            (static_cast<int64_t>(static_cast<int32_t>(x[d->rs1])) * static_cast<int32_t>(x[d->rs2])) >> 32);
        break;
      case kMulhsu:
        x[d->rd] = static_cast<uint32_t>(
            (static_cast<int64_t>(static_cast<int32_t>(x[d->rs1])) * static_cast<int64_t>(x[d->rs2])) >> 32);
        break;
      case kMulhu:
        x[d->rd] = static_cast<uint32_t>((static_cast<uint64_t>(x[d->rs1]) * x[d->rs2]) >> 32);
        break;
      case kDiv: {
        const int32_t a = static_cast<int32_t>(x[d->rs1]), b = static_cast<int32_t>(x[d->rs2]);
        x[d->rd] = b == 0 ? 0xFFFFFFFFu : (a == INT32_MIN && b == -1) ? x[d->rs1] : static_cast<uint32_t>(a / b);
        break;
      }
      case kDivu: x[d->rd] = x[d->rs2] == 0 ? 0xFFFFFFFFu : x[d->rs1] / x[d->rs2]; break;
      case kRem: {
        const int32_t a = static_cast<int32_t>(x[d->rs1]), b = static_cast<int32_t>(x[d->rs2]);
        x[d->rd] = b == 0 ? x[d->rs1] : (a == INT32_MIN && b == -1) ? 0u : static_cast<uint32_t>(a % b);
        break;
      }
      case kRemu: x[d->rd] = x[d->rs2] == 0 ? x[d->rs1] : x[d->rs1] % x[d->rs2]; break;

      case kFence: break;
      case kEcall: pc = raise(kCauseEcallM, 0, pc); goto new_pc;
      case kEbreak: pc = raise(kCauseBreakpoint, pc, pc); goto new_pc;
      case kMret:
        pc = mepc_;
        mstatus_ = (mstatus_ & ~kMstatusMie) | ((mstatus_ & kMstatusMpie) ? kMstatusMie : 0);
        mstatus_ |= kMstatusMpie;
        irq_check_ = true;
        batch_stop_instret_ = instret_ + 1;
        ++instret_;
        goto new_pc;
      case kWfi:
        wfi_pending_ = true;
        batch_stop_instret_ = instret_ + 1;
        break;

      case kCsrrw: case kCsrrs: case kCsrrc: case kCsrrwi: case kCsrrsi: case kCsrrci: {
        const uint32_t csr = static_cast<uint32_t>(d->imm);
        const bool immediate = d->op >= kCsrrwi;
        const uint32_t operand = immediate ? d->rs1 : x[d->rs1];
        const unsigned kind = immediate ? d->op - (kCsrrwi - kCsrrw) : d->op;
        const bool writes = kind == kCsrrw || d->rs1 != 0;
        uint32_t old = 0;
        if (!csr_read(csr, old) || (writes && (csr >> 10) == 3)) {
          pc = illegal(pc);
          goto new_pc;
        }
        if (writes) {
          const uint32_t value = kind == kCsrrw ? operand : kind == kCsrrs ? (old | operand) : (old & ~operand);
          csr_write(csr, value);
        }
        x[d->rd] = old;
        break;
      }
      default: pc = illegal(pc); goto new_pc;

      link_and_jump:
        if (!(target & 3)) x[d->rd] = pc + 4;  // a misaligned jump traps and writes nothing
      jump:
        if (target & 3) {
          pc = raise(kCauseFetchMisaligned, target, pc);
          goto new_pc;
        }
        pc = target;
        ++instret_;
        goto new_pc;
    }
    pc += 4;
    ++instret_;
    goto next;
  }
  pc_ = pc;
}

// ---------------------------------------------------------------------------
// Memory

bool Rv32Cpu::fault(uint32_t cause, uint32_t address) {
  fault_cause_ = cause;
  fault_tval_ = address;
  return false;
}

void Rv32Cpu::forget_fast_regions() {
  read_blocks_.fill(DmiBlock{kNoBlock, nullptr, 0});
  write_blocks_.fill(DmiBlock{kNoBlock, nullptr, 0});
}

// Finds a DMI region covering [address, address + size), asking the bus for
// one when `ask` is set and none is known.
const Rv32Cpu::DmiRegion* Rv32Cpu::find_dmi(uint32_t address, unsigned size) {
  auto it = dmi_regions_.upper_bound(address);
  if (it == dmi_regions_.begin()) return nullptr;
  --it;
  const DmiRegion& region = it->second;
  return address + uint64_t(size) - 1 <= region.end ? &region : nullptr;
}

bool Rv32Cpu::request_dmi(uint32_t address) {
  if (!config_.use_dmi) return false;
  tlm::tlm_generic_payload request;
  request.set_address(address);
  request.set_command(tlm::TLM_READ_COMMAND);
  tlm::tlm_dmi dmi;
  if (!socket->get_direct_mem_ptr(request, dmi)) return false;
  if (!dmi.is_read_write_allowed() || dmi.get_start_address() > address || dmi.get_end_address() < address ||
      dmi.get_end_address() > 0xFFFFFFFFull)
    return false;
  DmiRegion region{dmi.get_start_address(), dmi.get_end_address(), dmi.get_dmi_ptr(),
                   dmi.get_read_latency().value(), dmi.get_write_latency().value()};
  // Drop regions the new one overlaps, then keep it.
  for (auto it = dmi_regions_.begin(); it != dmi_regions_.end();)
    it = it->second.start <= region.end && region.start <= it->second.end ? dmi_regions_.erase(it) : std::next(it);
  dmi_regions_[region.start] = region;
  return true;
}

bool Rv32Cpu::slow_access(tlm::tlm_command command, uint32_t address, unsigned size, uint8_t* data) {
  const bool write = command == tlm::TLM_WRITE_COMMAND;
  if (config_.use_dmi) {
    if (const DmiRegion* region = find_dmi(address, size)) {
      const uint64_t latency = write ? region->write_latency_units : region->read_latency_units;
      // Remember the block for the fast path when the region covers all of it.
      const uint64_t block_start = address & ~uint64_t(kDmiBlockBytes - 1);
      if (region->start <= block_start && block_start + kDmiBlockBytes - 1 <= region->end)
        (write ? write_blocks_ : read_blocks_)[(address >> kDmiBlockBits) % kDmiBlocks] =
            DmiBlock{address >> kDmiBlockBits, region->host + (block_start - region->start), latency};
      uint8_t* host = region->host + (address - region->start);
      write ? std::memcpy(host, data, size) : std::memcpy(data, host, size);
      add_latency(latency);
      return true;
    }
  }
  payload_.set_command(command);
  payload_.set_address(address);
  payload_.set_data_ptr(data);
  payload_.set_data_length(size);
  payload_.set_streaming_width(size);
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_dmi_allowed(false);
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  fold_local_time();
  sc_core::sc_time delay = sc_core::sc_time::from_value(local_units_);
  socket->b_transport(payload_, delay);
  local_units_ = delay.value();
  if (local_now() >= batch_end_units_) batch_stop_instret_ = instret_ + 1;
  bus_write_since_sync_ |= write;
  if (payload_.is_response_error()) {
    ++bus_errors_;
    return false;
  }
  if (payload_.is_dmi_allowed()) request_dmi(address);
  return true;
}

// Instruction fetch: an instruction cache is assumed, so a fetch costs no time
// beyond the CPI and makes no bus traffic (DMI, else a debug read).
bool Rv32Cpu::fetch_word(uint32_t address, uint32_t& raw) {
  const DmiRegion* region = config_.use_dmi ? find_dmi(address, 4) : nullptr;
  if (!region && request_dmi(address)) region = find_dmi(address, 4);
  if (region) {
    std::memcpy(&raw, region->host + (address - region->start), 4);
    return true;
  }
  return debug_transport(tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&raw), 4);
}

bool Rv32Cpu::debug_transport(tlm::tlm_command command, uint64_t address, uint8_t* data, size_t length) {
  tlm::tlm_generic_payload request;
  request.set_command(command);
  request.set_address(address);
  request.set_data_ptr(data);
  request.set_data_length(static_cast<unsigned>(length));
  request.set_streaming_width(static_cast<unsigned>(length));
  return socket->transport_dbg(request) == length;
}

void Rv32Cpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto it = dmi_regions_.begin(); it != dmi_regions_.end();)
    it = it->second.start <= end && start <= it->second.end ? dmi_regions_.erase(it) : std::next(it);
  forget_fast_regions();
  invalidate_decoded(start, end);
}

// ---------------------------------------------------------------------------
// CSRs and interrupts

bool Rv32Cpu::csr_read(uint32_t csr, uint32_t& value) {
  switch (csr) {
    case kCsrMstatus: value = mstatus_; return true;
    case kCsrMisa: value = kMisa; return true;
    case kCsrMie: value = mie_; return true;
    case kCsrMtvec: value = mtvec_; return true;
    case kCsrMstatush: value = 0; return true;
    case kCsrMscratch: value = mscratch_; return true;
    case kCsrMepc: value = mepc_; return true;
    case kCsrMcause: value = mcause_; return true;
    case kCsrMtval: value = mtval_; return true;
    case kCsrMip: value = mip_; return true;
    case kCsrMcycle: case kCsrCycle: value = static_cast<uint32_t>(cycles() + cycle_offset_); return true;
    case kCsrMcycleh: case kCsrCycleh: value = static_cast<uint32_t>((cycles() + cycle_offset_) >> 32); return true;
    case kCsrMinstret: case kCsrInstret: value = static_cast<uint32_t>(instret_ + instret_offset_); return true;
    case kCsrMinstreth: case kCsrInstreth: value = static_cast<uint32_t>((instret_ + instret_offset_) >> 32); return true;
    case kCsrMvendorid: case kCsrMarchid: case kCsrMimpid: value = 0; return true;
    case kCsrMhartid: value = config_.hart_id; return true;
    default: return false;
  }
}

void Rv32Cpu::csr_write(uint32_t csr, uint32_t value) {
  auto set_low = [](uint64_t old, uint32_t low) { return (old & ~0xFFFFFFFFull) | low; };
  auto set_high = [](uint64_t old, uint32_t high) { return (old & 0xFFFFFFFFull) | (uint64_t(high) << 32); };
  const uint64_t cycles_now = cycles();
  const uint64_t instret_after = instret_ + 1;  // the write counts after this instruction retires
  switch (csr) {
    case kCsrMstatus:
      mstatus_ = (value & (kMstatusMie | kMstatusMpie)) | kMstatusMpp;
      request_interrupt_check();
      break;
    case kCsrMie:
      mie_ = value & kIrqLines;
      request_interrupt_check();
      break;
    case kCsrMtvec: mtvec_ = value & ~2u; break;  // direct (0) or vectored (1)
    case kCsrMscratch: mscratch_ = value; break;
    case kCsrMepc: mepc_ = value & ~3u; break;
    case kCsrMcause: mcause_ = value; break;
    case kCsrMtval: mtval_ = value; break;
    case kCsrMcycle: cycle_offset_ = set_low(cycles_now + cycle_offset_, value) - cycles_now; break;
    case kCsrMcycleh: cycle_offset_ = set_high(cycles_now + cycle_offset_, value) - cycles_now; break;
    case kCsrMinstret: instret_offset_ = set_low(instret_after + instret_offset_, value) - instret_after; break;
    case kCsrMinstreth: instret_offset_ = set_high(instret_after + instret_offset_, value) - instret_after; break;
    default: break;  // misa, mip, mstatush: WARL, writes ignored (mip follows the lines)
  }
}

void Rv32Cpu::request_interrupt_check() {
  irq_check_ = true;
  batch_stop_instret_ = instret_ + 1;  // end the batch after this instruction
}

void Rv32Cpu::read_irq_lines() {
  const uint32_t lines = (timer_irq.read() ? kMtip : 0) | (external_irq.read() ? kMeip : 0) |
                         (software_irq.read() ? kMsip : 0);
  mip_ = (mip_ & ~kIrqLines) | lines;
}

void Rv32Cpu::update_irq_lines() {
  read_irq_lines();
  irq_check_ = true;
  if (mip_ & mie_) irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void Rv32Cpu::check_interrupts() {
  irq_check_ = false;
  read_irq_lines();  // the lines' values now, whether or not update_irq_lines ran yet
  const uint32_t pending = mip_ & mie_;
  if (!(mstatus_ & kMstatusMie) || !pending) return;
  // Priority: external, software, timer.
  const uint32_t code = (pending & kMeip) ? 11 : (pending & kMsip) ? 3 : 7;
  ++interrupts_taken_;
  fold_local_time();
  pc_ = take_trap(kInterruptBit | code, 0, pc_);
}

void Rv32Cpu::wait_for_interrupt() {
  sync_time();  // devices must see our time before we sleep
  read_irq_lines();
  if (mip_ & mie_) return;
  if (!(mie_ & kIrqLines)) {
    char text[160];
    std::snprintf(text, sizeof text, "wfi at pc 0x%08x with no interrupt enabled in mie (0x%08x): nothing can wake the core",
                  pc_ - 4, mie_);
    halt(Halt::Deadlock, text);
    return;
  }
  in_wfi_ = true;
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  if (tracer_) tracer_->begin(TraceTrack::Cpu, "wfi", start);
  if (!debug_hook_) {
    sc_core::wait(irq_event_);
  } else {
    // A debugger may ask to stop while the core sleeps: look once a quantum.
    // A stop ends the wfi early, which the ISA allows (wfi is a hint).
    const sc_core::sc_time poll = std::max(config_.quantum, config_.clock_period);
    bool stop = false;
    while (!(mip_ & mie_) && !stop) {
      sc_core::wait(poll, irq_event_);
      read_irq_lines();
      stop = !(mip_ & mie_) && debug_hook_->stop_requested();
    }
    time_in_wfi_ += sc_core::sc_time_stamp() - start;
    in_wfi_ = false;
    if (tracer_) tracer_->end(TraceTrack::Cpu, sc_core::sc_time_stamp());
    quantum_keeper_.reset();
    if (stop) debug_stop(StopReason::Interrupt);
    return;
  }
  time_in_wfi_ += sc_core::sc_time_stamp() - start;
  in_wfi_ = false;
  if (tracer_) tracer_->end(TraceTrack::Cpu, sc_core::sc_time_stamp());
  quantum_keeper_.reset();
}

void Rv32Cpu::halt(Halt reason, const std::string& detail) {
  halt_ = reason;
  halt_detail_ = detail;
  batch_stop_instret_ = instret_;
}

Rv32Cpu::Halt Rv32Cpu::halt_reason() const {
  if (halt_ == Halt::Running && in_wfi_ && !sc_core::sc_pending_activity()) return Halt::Deadlock;
  return halt_;
}

std::string Rv32Cpu::halt_message() const {
  char text[200];
  switch (halt_reason()) {
    case Halt::Running: return "running";
    case Halt::ToHost:
      std::snprintf(text, sizeof text, "tohost = 0x%08x (%s)", tohost_value_,
                    tohost_value_ == 1 ? "pass" : "fail");
      return text;
    case Halt::InstructionLimit:
      std::snprintf(text, sizeof text, "instruction limit reached: %llu instructions retired, pc 0x%08x",
                    static_cast<unsigned long long>(instret_), pc_);
      return text;
    case Halt::Deadlock:
      if (!halt_detail_.empty()) return "deadlock: " + halt_detail_;
      std::snprintf(text, sizeof text,
                    "deadlock: wfi at pc 0x%08x and no event left that could raise an interrupt (mie 0x%08x)",
                    pc_ - 4, mie_);
      return text;
    case Halt::DoubleFault: return "double fault: " + halt_detail_;
    case Halt::Killed: return "killed by the debugger";
  }
  return "";
}

// ---------------------------------------------------------------------------
// Debugging

void Rv32Cpu::debug_stop(StopReason reason) {
  if (!debug_hook_) return;
  fold_local_time();
  stepping_ = false;
  switch (debug_hook_->on_stop(*this, reason)) {
    case ResumeMode::Continue: break;
    case ResumeMode::Step: stepping_ = true; break;
    case ResumeMode::Kill: halt(Halt::Killed, ""); break;
    case ResumeMode::Detach:
      debug_hook_ = nullptr;
      while (!breakpoints_.empty()) remove_breakpoint(breakpoints_.back());
      break;
  }
  if (stepping_) batch_stop_instret_ = instret_ + 1;
}

uint32_t Rv32Cpu::read_register(unsigned index) const {
  if (index < 32) return x_[index];
  return index == 32 ? pc_ : 0;
}

void Rv32Cpu::write_register(unsigned index, uint32_t value) {
  if (index > 0 && index < 32) x_[index] = value;
  if (index == 32) pc_ = value;
}

bool Rv32Cpu::read_memory(uint64_t address, uint8_t* data, size_t length) {
  return debug_transport(tlm::TLM_READ_COMMAND, address, data, length);
}

bool Rv32Cpu::write_memory(uint64_t address, const uint8_t* data, size_t length) {
  if (length == 0) return true;
  const bool ok = debug_transport(tlm::TLM_WRITE_COMMAND, address, const_cast<uint8_t*>(data), length);
  invalidate_decoded(address, address + length - 1);
  return ok;
}

void Rv32Cpu::insert_breakpoint(uint64_t address) {
  if (address > 0xFFFFFFFFu) return;
  if (std::find(breakpoints_.begin(), breakpoints_.end(), address) == breakpoints_.end())
    breakpoints_.push_back(static_cast<uint32_t>(address));
  invalidate_decoded(address, address);
}

void Rv32Cpu::remove_breakpoint(uint64_t address) {
  breakpoints_.erase(std::remove(breakpoints_.begin(), breakpoints_.end(), address), breakpoints_.end());
  invalidate_decoded(address, address);
}

}  // namespace loomvp
