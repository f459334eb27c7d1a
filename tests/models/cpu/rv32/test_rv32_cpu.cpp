// ISS tests: assembly programs (programs/*.S) run on a small system; the
// expected registers, memory and trap records are worked out by hand in the
// comments, independently of the ISS.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>

#include "firmware/bench/iss_kernel.h"
#include "tests/models/cpu/rv32/rv32_system.h"

using namespace loomvp;
using namespace loomvp::rv32_test;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using Halt = Rv32Cpu::Halt;

namespace {

void run_to_end(Rv32System& system) {
  sc_core::sc_start(sc_time(10, sc_core::SC_MS));
  INFO(system.cpu.halt_message());
  REQUIRE(system.cpu.halt_reason() == Halt::ToHost);
  REQUIRE(system.cpu.tohost_value() == 1);
}

}  // namespace

TEST_CASE("integer and M-extension edge cases: division by zero and overflow, shifts by 31, x0") {
  Rv32System sys("alu", "alu");
  run_to_end(sys);
  CHECK(sys.reg(s0) == 0xFFFFFFFFu);   // 7 / 0
  CHECK(sys.reg(s1) == 0xFFFFFFFFu);   // 7 /u 0
  CHECK(sys.reg(s2) == 7);             // 7 % 0
  CHECK(sys.reg(s3) == 7);             // 7 %u 0
  CHECK(sys.reg(s4) == 0x80000000u);   // INT_MIN / -1
  CHECK(sys.reg(s5) == 0);             // INT_MIN % -1
  CHECK(sys.reg(s6) == 0xFFFFFFFDu);   // -7 / 2 = -3
  CHECK(sys.reg(s7) == 0xFFFFFFFFu);   // -7 % 2 = -1
  CHECK(sys.reg(s8) == 0x40000000u);   // 2^62 >> 32
  CHECK(sys.reg(s9) == 0xFFFFFFFEu);   // (2^32-1)^2 >> 32
  CHECK(sys.reg(s10) == 0xFFFFFFFFu);  // -1 * (2^32-1) = -(2^32-1) >> 32 = -1
  CHECK(sys.reg(s11) == 1);            // -1 * -1
  CHECK(sys.reg(t1) == 0xFFFFFFFFu);   // 0x80000001 >>a 31
  CHECK(sys.reg(t2) == 1);             // 0x80000001 >> 31
  CHECK(sys.reg(t3) == 0x80000000u);   // 0x80000001 << 31
  CHECK(sys.reg(a6) == 0xFFFFFFFFu);   // shift by 63 uses 31
  CHECK(sys.reg(a7) == 1);
  CHECK(sys.reg(gp) == 0x80000000u);
  CHECK(sys.reg(zero) == 0);
  CHECK(sys.reg(ra) == 0);  // add ra, x0, x0 after writes to x0
  CHECK(sys.reg(a0) == 1);
  CHECK(sys.reg(a1) == 0);
  CHECK(sys.reg(tp) == 1);
  CHECK(sys.reg(sp) == 1100);  // every addi ran, across the page boundary
}

TEST_CASE("loads sign- and zero-extend bytes and halves; stores write only their bytes") {
  Rv32System sys("ls", "loadstore");
  run_to_end(sys);
  CHECK(sys.reg(a0) == 0xFFFFFF80u);
  CHECK(sys.reg(a1) == 0x80u);
  CHECK(sys.reg(a2) == 0xFFFF8001u);
  CHECK(sys.reg(a3) == 0x8001u);
  CHECK(sys.reg(a4) == 0x7Fu);
  CHECK(sys.reg(a5) == 0xDEADBEEFu);
  CHECK(sys.reg(a6) == 0x1122AB44u);
  CHECK(sys.reg(a7) == 0xCDEF0000u);
  CHECK(sys.reg(s1) == 0xFFFFBEEFu);
  const uint32_t data = sys.symbol("data");
  CHECK(sys.word(data + 8) == 0x1122AB44u);
  CHECK(sys.word(data + 12) == 0xCDEF0000u);
}

TEST_CASE("auipc, jal and jalr offsets; branches and jumps at the ends of their ranges") {
  Rv32System sys("jumps", "jumps");
  run_to_end(sys);
  CHECK(sys.reg(s0) == sys.symbol("auipc_site") + 0x12345000u);
  CHECK(sys.reg(s1) == sys.symbol("auipc_neg") - 0x1000u);
  CHECK(sys.reg(s2) == sys.symbol("jal_site") + 4);
  CHECK(sys.reg(s4) == sys.symbol("jalr_site") + 4);
  CHECK(sys.reg(s5) == sys.symbol("jalr_same") + 4);
  CHECK(sys.reg(s3) == 0);  // no skipped instruction ran
  CHECK(sys.reg(s6) == 1);  // beq +4092
  CHECK(sys.reg(s7) == 1);  // bne -4096
  CHECK(sys.reg(s8) == 1);  // jal +1048572
  CHECK(sys.reg(s9) == 1);  // jal -1048576
  CHECK(sys.symbol("far_forward") - sys.symbol("far_start") == 1048572u);
  CHECK(sys.symbol("far_back") - sys.symbol("far_back_target") == 1048576u);
}

TEST_CASE("traps record the standard mcause, mepc and mtval") {
  Rv32System sys("traps", "traps");
  run_to_end(sys);
  struct Record {
    uint32_t cause, epc, tval;
  };
  const uint32_t data = sys.symbol("data");
  const uint32_t after_jump = sys.symbol("t_after_jump");
  const std::vector<Record> expected{
      {11, sys.symbol("t_ecall"), 0},
      {3, sys.symbol("t_ebreak"), sys.symbol("t_ebreak")},
      {2, sys.symbol("t_illegal"), 0},
      {2, sys.symbol("t_csr_missing"), 0x7C002573u},   // csrrs a0, 0x7c0, x0
      {2, sys.symbol("t_csr_readonly"), 0xF1451073u},  // csrrw x0, mhartid, a0
      {4, sys.symbol("t_load_misaligned"), data + 1},
      {6, sys.symbol("t_store_misaligned"), data + 3},
      {5, sys.symbol("t_load_fault") + 4, 0x20000004u},  // after the lui
      {7, sys.symbol("t_store_fault"), 0x20000008u},
      {0, sys.symbol("t_jump_misaligned") + 8, after_jump + 2},  // la is two instructions
      {1, 0x20000000u, 0x20000000u},
  };
  const uint32_t records = sys.symbol("records");
  REQUIRE(sys.reg(s10) - records == 12 * expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("record " << i);
    CHECK(sys.word(records + 12 * i) == expected[i].cause);
    CHECK(sys.word(records + 12 * i + 4) == expected[i].epc);
    CHECK(sys.word(records + 12 * i + 8) == expected[i].tval);
  }
  CHECK(sys.cpu.bus_errors() == 2);  // the data accesses; the fetch fault is found without a transaction
}

TEST_CASE("machine information CSRs, minstret and mcycle count, WARL fields") {
  Rv32System sys("csrs", "csrs");
  run_to_end(sys);
  CHECK(sys.reg(a0) == 0x40001100u);  // RV32, I (bit 8), M (bit 12)
  CHECK(sys.reg(a1) == 0);
  CHECK(sys.reg(a2) == 0);
  CHECK(sys.reg(a3) == 0);
  CHECK(sys.reg(a4) == 0);
  CHECK(sys.reg(a5) == 0x1800u);  // MPP = machine
  CHECK(sys.reg(s1) - sys.reg(s0) == 4);
  CHECK(sys.reg(s3) - sys.reg(s2) == 2);
  CHECK(sys.reg(s4) == 1000);
  CHECK(sys.reg(s5) == 0);
  CHECK(sys.reg(s6) == 0x1800u);
  CHECK(sys.reg(s7) == 0x1808u);
  CHECK(sys.reg(s8) == 0);
  CHECK(sys.reg(s9) == 1000);
  CHECK(sys.reg(s10) == 0xFFFFFFFCu);
  CHECK(sys.reg(s11) == 0x888u);
  CHECK(sys.reg(a6) == 5001);
  CHECK(sys.reg(a7) == 0);
  CHECK(sys.reg(t2) >= 5002);
  CHECK(sys.reg(t3) > 1000);
}

TEST_CASE("timer interrupts: pending while disabled then taken, masked in mie, wfi sleeps until the line") {
  Rv32System sys("irq", "interrupts");
  run_to_end(sys);
  CHECK(sys.reg(s2) == 0);  // pending but disabled: not taken
  CHECK(sys.reg(s3) == 1);  // taken right after enabling
  CHECK(sys.reg(s4) == 1);  // masked in mie: not taken
  CHECK(sys.reg(s5) == 2);  // wfi woke, handler ran
  CHECK(sys.reg(s6) == 2);  // wfi with MIE clear: woke without a trap
  CHECK((sys.reg(s7) & 0x80) == 0x80);
  // The handler logged {mcause, mepc} for each interrupt.
  const std::vector<uint32_t> expected{0x80000007u, sys.symbol("after_enable"), 0x80000007u,
                                       sys.symbol("wfi_site") + 4};
  CHECK(sys.device.log == expected);
  CHECK(sys.cpu.interrupts_taken() == 2);
  // Two wfi of 50 us each (less the few ns between the timer write and the
  // wfi), slept rather than spun: spinning would retire 100 000 instructions
  // at 1 ns each. Parts 1 and 2 poll mip until the core's next quantum
  // boundary (1 us), at most 1000 instructions each, plus about 60 others.
  CHECK(sys.cpu.time_in_wfi() > sc_time(99, SC_US));
  CHECK(sys.cpu.time_in_wfi() <= sc_time(100, SC_US));
  CHECK(sys.cpu.instructions_retired() < 2100);
}

TEST_CASE("external, software and timer interrupts are taken in priority order through their vectors") {
  Rv32System sys("prio", "priority");
  sys.external_line.write(true);
  sys.software_line.write(true);
  run_to_end(sys);
  const std::vector<uint32_t> expected{0x8000000Bu, 11, 0x80000003u, 3, 0x80000007u, 7};
  CHECK(sys.device.log == expected);
  CHECK(sys.reg(s1) == 0x888u);
  CHECK(sys.reg(s2) == 0);
  CHECK(sys.cpu.interrupts_taken() == 3);
}

TEST_CASE("wfi with no interrupt enabled ends in a deadlock with a clear message") {
  Rv32System sys("dl", "wfi_nothing_enabled");
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sys.cpu.halt_reason() == Halt::Deadlock);
  CHECK_THAT(sys.cpu.halt_message(), Catch::Contains("no interrupt enabled in mie") &&
                                         Catch::Contains("nothing can wake the core"));
  CHECK(sys.cpu.instructions_retired() == 2);
}

TEST_CASE("wfi for an interrupt no event will raise is a deadlock once the simulation runs dry") {
  Rv32System sys("dl2", "wfi_no_event");
  sc_core::sc_start();  // returns: no event left
  CHECK(sys.cpu.halt_reason() == Halt::Deadlock);
  CHECK_THAT(sys.cpu.halt_message(), Catch::Contains("no event left"));
}

TEST_CASE("a trap whose handler cannot be fetched is a double fault, not a hang") {
  Rv32System sys("df", "double_fault");
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sys.cpu.halt_reason() == Halt::DoubleFault);
  CHECK_THAT(sys.cpu.halt_message(), Catch::Contains("0x20000000"));
}

TEST_CASE("the instruction limit stops the core after exactly that many instructions") {
  Rv32Config config;
  config.max_instructions = 12345;
  Rv32System sys("limit", "spin", config);
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sys.cpu.halt_reason() == Halt::InstructionLimit);
  CHECK(sys.cpu.instructions_retired() == 12345);
  CHECK(sys.reg(a0) == 12345 / 2 + 1);  // addi, j, addi, ...: the odd count ends on an addi
  CHECK(sys.cpu.current_time() == sc_time(12345, SC_NS));  // CPI 1 at 1 GHz
}

TEST_CASE("random instruction words never crash or hang the core") {
  // Three seeds side by side; each ends at a halt reason (usually the limit).
  std::vector<std::unique_ptr<Rv32System>> systems;
  Rv32Config config;
  config.max_instructions = 200000;
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    systems.push_back(std::make_unique<Rv32System>("random" + std::to_string(seed), "random_words", config));
    uint32_t state = seed;
    const uint32_t area = systems.back()->symbol("random_area");
    for (uint32_t offset = 0; offset < 16384; offset += 4) {
      state = state * 1664525u + 1013904223u;
      systems.back()->set_word(area + offset, state ^ (state >> 13));
    }
  }
  sc_core::sc_start(sc_time(100, sc_core::SC_MS));
  for (auto& sys : systems) {
    INFO(sys->cpu.halt_message());
    CHECK(sys->cpu.halt_reason() != Halt::Running);
    CHECK(sys->cpu.instructions_retired() <= 200000u);
  }
}

TEST_CASE("a store over an executed instruction replaces its decoded copy") {
  Rv32System sys("selfmod", "selfmod");
  run_to_end(sys);
  CHECK(sys.reg(s0) == 17);
}

namespace {

// Rewrites a word of DRAM through the backdoor at a given time, then has the
// memory invalidate its DMI pointers, as a loader reusing memory would.
struct BackdoorPatcher : sc_core::sc_module {
  Rv32System& sys;
  uint32_t address, value;
  SC_HAS_PROCESS(BackdoorPatcher);
  BackdoorPatcher(sc_core::sc_module_name name, Rv32System& system, uint32_t at, uint32_t word)
      : sc_module(name), sys(system), address(at), value(word) {
    SC_THREAD(patch);
  }
  void patch() {
    wait(sc_time(500, SC_NS));
    sys.set_word(address, value);
    sys.dram.socket->invalidate_direct_mem_ptr(0, kDramBytes - 1);
  }
};

}  // namespace

TEST_CASE("a DMI invalidation drops the decoded instructions of that memory") {
  Rv32System sys("inval", "dmi_invalidate");
  BackdoorPatcher patcher("patcher", sys, sys.symbol("patch_site"), 0x01048493u);  // addi s1, s1, 16
  run_to_end(sys);
  CHECK(sys.reg(s1) == 17);
}

TEST_CASE("simulated time and results are identical with DMI on and off") {
  Rv32Config with_dmi, without_dmi;
  without_dmi.use_dmi = false;
  Rv32System a("dmi", "memtime", with_dmi);
  Rv32System b("nodmi", "memtime", without_dmi);
  sc_core::sc_start(sc_time(10, sc_core::SC_MS));
  REQUIRE(a.cpu.halt_reason() == Halt::ToHost);
  REQUIRE(b.cpu.halt_reason() == Halt::ToHost);
  REQUIRE(a.device.log.size() == 1);
  CHECK(a.device.log == b.device.log);
  CHECK(a.device.log[0] == 64 * 65 / 2);  // the sum of 64..1, each through SRAM and DRAM
  CHECK(a.device.log_times == b.device.log_times);
  CHECK(a.cpu.current_time() == b.cpu.current_time());
  // By hand, at 1 ns per instruction plus each access's latency: an SRAM
  // access adds 1 (latency) + 1 (beat) + 1 (link beat) + 2 x 2 (router) = 7 ns,
  // a DRAM access 50 + 1 + 1 + 4 = 56 ns, the device write 1 + 1 + 4 = 6 ns.
  // 5 set-up instructions, 64 loops of 9 instructions with 2 SRAM and 2 DRAM
  // accesses, the device store, then la (2), li and the tohost store (DRAM).
  const uint64_t expected_ns = 5 + 64 * (9 + 2 * 7 + 2 * 56) + (1 + 6) + (4 + 56);
  CHECK(a.cpu.current_time() == sc_time(double(expected_ns), SC_NS));
  CHECK(a.cpu.cycles() == b.cpu.cycles());
  CHECK(a.cpu.instructions_retired() == b.cpu.instructions_retired());
}

TEST_CASE("the ISS benchmark kernel computes on the ISS what it computes compiled for the host") {
  Rv32System sys("bench", ISS_BENCH_ELF);
  sys.set_word(sys.symbol("iterations"), 3);
  run_to_end(sys);
  CHECK(sys.word(sys.symbol("result")) == iss_kernel_run(3));
  CHECK(sys.cpu.instructions_retired() > 10000);
}

namespace {

// A debugger that records every stop and answers from a script.
struct ScriptedDebugger : DebugHook {
  struct Stop {
    StopReason reason;
    uint32_t pc;
    uint32_t s0;
  };
  std::vector<Stop> stops;
  std::function<ResumeMode(DebugTarget&, StopReason)> script;
  bool stop_at_start = true;

  ResumeMode on_stop(DebugTarget& target, StopReason reason) override {
    stops.push_back({reason, target.read_register(pc), target.read_register(s0)});
    return script(target, reason);
  }
  int polls_until_interrupt = -1;  // then one Ctrl-C
  bool stop_requested() override {
    if (polls_until_interrupt >= 0 && polls_until_interrupt-- == 0) return true;
    const bool stop = stop_at_start;
    stop_at_start = false;
    return stop;
  }
};

}  // namespace

TEST_CASE("debug target: stop at start, breakpoint hit on each pass, single step, continue to the end") {
  Rv32System sys("dbg", "selfmod");
  ScriptedDebugger debugger;
  const uint32_t loop = sys.symbol("loop");
  debugger.script = [&](DebugTarget& target, StopReason reason) {
    if (reason == StopReason::Interrupt) target.insert_breakpoint(loop);
    if (reason == StopReason::Breakpoint && debugger.stops.size() == 2) return ResumeMode::Step;
    return ResumeMode::Continue;
  };
  sys.cpu.set_debug_hook(&debugger);
  run_to_end(sys);
  CHECK(sys.reg(s0) == 17);  // the program ran correctly over the breakpoint
  REQUIRE(debugger.stops.size() == 5);
  CHECK(debugger.stops[0].reason == StopReason::Interrupt);
  CHECK(debugger.stops[0].pc == sys.image.entry());
  CHECK(debugger.stops[1].reason == StopReason::Breakpoint);  // first pass, before the addi
  CHECK(debugger.stops[1].pc == loop);
  CHECK(debugger.stops[1].s0 == 0);
  CHECK(debugger.stops[2].reason == StopReason::Step);  // the addi ran
  CHECK(debugger.stops[2].pc == loop + 4);
  CHECK(debugger.stops[2].s0 == 1);
  CHECK(debugger.stops[3].reason == StopReason::Breakpoint);  // second pass
  CHECK(debugger.stops[3].pc == loop);
  CHECK(debugger.stops[3].s0 == 1);
  CHECK(debugger.stops[4].reason == StopReason::Exited);
}

TEST_CASE("debug target: registers and memory written by the debugger take effect; kill stops the core") {
  Rv32System sys("dbg2", "selfmod");
  ScriptedDebugger debugger;
  const uint32_t patch = sys.symbol("patch_site");
  debugger.script = [&](DebugTarget& target, StopReason reason) {
    if (reason == StopReason::Interrupt) {
      target.insert_breakpoint(sys.symbol("loop") + 4);
      // Patch the first addi to add 100 (addi s0, s0, 100 = 0x06440413).
      const uint8_t addi_100[4] = {0x13, 0x04, 0x44, 0x06};
      CHECK(target.write_memory(patch, addi_100, 4));
      uint8_t back[4] = {};
      CHECK(target.read_memory(patch, back, 4));
      CHECK(std::memcmp(back, addi_100, 4) == 0);
      CHECK_FALSE(target.read_memory(0x20000000u, back, 4));  // unmapped
      return ResumeMode::Continue;
    }
    target.write_register(zero, 5);  // x0 stays 0
    target.write_register(s1, 1);    // make this the last pass
    return ResumeMode::Kill;
  };
  sys.cpu.set_debug_hook(&debugger);
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sys.cpu.halt_reason() == Halt::Killed);
  REQUIRE(debugger.stops.size() == 2);
  CHECK(debugger.stops[1].reason == StopReason::Breakpoint);
  CHECK(debugger.stops[1].s0 == 100);
  CHECK(sys.reg(zero) == 0);
  CHECK(sys.reg(s1) == 1);
  CHECK(sys.cpu.instructions_retired() == 3);  // li, li, the patched addi
}

TEST_CASE("debug target: a stop request reaches a core asleep in wfi") {
  Rv32System sys("dbg3", "wfi_no_event");
  ScriptedDebugger debugger;
  debugger.stop_at_start = false;
  debugger.polls_until_interrupt = 5;  // the first two polls come before the wfi
  debugger.script = [](DebugTarget&, StopReason) { return ResumeMode::Kill; };
  sys.cpu.set_debug_hook(&debugger);
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sys.cpu.halt_reason() == Halt::Killed);
  REQUIRE(debugger.stops.size() == 1);
  CHECK(debugger.stops[0].reason == StopReason::Interrupt);
  CHECK(debugger.stops[0].pc == sys.symbol("_start") + 12);  // after li, csrw, wfi
  CHECK(sys.cpu.time_in_wfi() > sc_time(2, SC_US));  // slept through polls a quantum apart
}
