// Platform configuration (platform/config.h): the defaults are those of
// platform/configs/mobile-soc.json (read here independently), --engine and
// --set overrides change the model configs, and bad values are UserErrors
// naming the key and the allowed values.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/config.h"
#include "platform/user_error.h"
#include "test_helpers.h"

using nlohmann::json;
using Catch::Matchers::Contains;
using namespace loomvp;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;

namespace {

json mobile_soc() {
  std::ifstream in(std::string(LOOMVP_SOURCE_DIR) + "/platform/configs/mobile-soc.json");
  REQUIRE(in);
  return json::parse(in);
}

std::string user_error_of(const std::string& platform, const std::string& engine,
                          const std::vector<std::string>& overrides) {
  try {
    load_platform(platform, engine, overrides);
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected loomvp::UserError, got another exception: " << e.what());
  }
  FAIL("expected loomvp::UserError, but the platform loaded");
  return "";
}

// Time of one MHz-clock period, computed as 1/f microseconds.
sc_time period(double mhz) { return sc_time(1.0 / mhz, sc_core::SC_US); }

}  // namespace

TEST_CASE("defaults match platform/configs/mobile-soc.json", "[config]") {
  const json j = mobile_soc();
  for (const std::string name : {"", "mobile-soc"}) {
    INFO("platform '" << name << "'");
    const PlatformConfig c = load_platform(name, "", {});
    CHECK(c.name == j["name"].get<std::string>());
    CHECK(c.json == j);

    REQUIRE(j["loom"]["engine"] == "lm1b");
    CHECK(c.loom.engine == Engine::Lm1b);
    CHECK(c.loom.clock_period == period(j["loom"]["clock_mhz"].get<double>()));
    CHECK(c.loom.dynamic_precision == j["loom"]["dynamic_precision"].get<bool>());
    CHECK(c.loom.dma.burst_bytes == j["loom"]["dma_burst_bytes"].get<uint32_t>());
    CHECK(c.loom.dma.max_outstanding == j["loom"]["dma_max_outstanding"].get<uint32_t>());
    CHECK(c.loom.limits.max_tensor_elements == j["loom"]["max_tensor_elements"].get<uint64_t>());
    CHECK(c.loom.limits.dram_base == 0x80000000ull);  // SPEC 3: DRAM at 0x8000_0000
    CHECK(c.loom.limits.dram_size == j["dram"]["size_bytes"].get<uint64_t>());

    CHECK(c.cpu.clock_period == period(j["cpu"]["clock_mhz"].get<double>()));
    CHECK(c.cpu.use_dmi == j["cpu"]["dmi"].get<bool>());
    REQUIRE(j["cpu"]["model"] == "native");
    CHECK(c.cpu_model == PlatformConfig::CpuModel::Native);
    CHECK(c.rv32.clock_period == c.cpu.clock_period);
    CHECK(c.rv32.use_dmi == c.cpu.use_dmi);
    CHECK(c.rv32.cycles_per_instruction == j["cpu"]["cycles_per_instruction"].get<uint32_t>());
    CHECK(c.rv32.quantum == sc_time(j["simulation"]["quantum_ns"].get<double>(), SC_NS));

    for (const char* section : {"sram", "dram"}) {
      INFO(section);
      const MemoryConfig& m = std::string(section) == "sram" ? c.sram : c.dram;
      const json& s = j[section];
      CHECK(m.size_bytes == s["size_bytes"].get<uint64_t>());
      CHECK(m.latency == sc_time(s["latency_ns"].get<double>(), SC_NS));
      CHECK(m.bytes_per_beat == s["bytes_per_beat"].get<uint32_t>());
      // bytes / (GB/s) = ns per beat
      CHECK(m.beat_time == sc_time(s["bytes_per_beat"].get<double>() / s["bandwidth_gb_per_s"].get<double>(), SC_NS));
    }
    CHECK(c.interconnect.bytes_per_cycle == j["interconnect"]["bytes_per_cycle"].get<uint32_t>());
    CHECK(c.interconnect.clock_period == period(j["interconnect"]["clock_mhz"].get<double>()));
    CHECK(c.interconnect.latency_cycles == j["interconnect"]["latency_cycles"].get<uint32_t>());
    CHECK(c.cpu.quantum == sc_time(j["simulation"]["quantum_ns"].get<double>(), SC_NS));
    CHECK(c.loom.dma.quantum == sc_time(j["simulation"]["quantum_ns"].get<double>(), SC_NS));
  }
}

TEST_CASE("default memory timings, hand-computed", "[config]") {
  const PlatformConfig c = load_platform("mobile-soc", "", {});
  // DRAM: 32 B beats at 12.8 GB/s = 2.5 ns; SRAM: 16 B at 16 GB/s = 1 ns
  CHECK(c.dram.beat_time == sc_time(2500, SC_PS));
  CHECK(c.sram.beat_time == sc_time(1000, SC_PS));
  CHECK(c.dram.latency == sc_time(100, SC_NS));
  CHECK(c.dram.size_bytes == (1ull << 30));
  CHECK(c.sram.size_bytes == (1ull << 20));
  CHECK(c.loom.clock_period == sc_time(1, SC_NS));
}

TEST_CASE("the engine argument (--engine) selects the engine", "[config]") {
  const std::pair<const char*, Engine> engines[] = {{"base", Engine::Base},
                                                    {"stripes", Engine::Stripes},
                                                    {"lm1b", Engine::Lm1b},
                                                    {"lm2b", Engine::Lm2b},
                                                    {"lm4b", Engine::Lm4b}};
  for (const auto& [name, engine] : engines) {
    INFO(name);
    const PlatformConfig c = load_platform("mobile-soc", name, {});
    CHECK(c.loom.engine == engine);
    CHECK(c.json["loom"]["engine"] == name);  // the effective config records it
  }
}

TEST_CASE("override dram.bandwidth_gb_per_s=25.6 halves the DRAM beat time", "[config]") {
  const PlatformConfig c = load_platform("", "", {"dram.bandwidth_gb_per_s=25.6"});
  // 32 bytes / 25.6 GB/s = 1.25 ns = 1250 ps
  CHECK(c.dram.beat_time == sc_time(1250, SC_PS));
  CHECK(c.json["dram"]["bandwidth_gb_per_s"].get<double>() == 25.6);
  CHECK(c.sram.beat_time == sc_time(1000, SC_PS));  // untouched
}

TEST_CASE("overrides of integers, booleans and strings", "[config]") {
  const PlatformConfig c = load_platform(
      "", "", {"loom.dma_burst_bytes=128", "loom.dynamic_precision=false", "interconnect.bytes_per_cycle=32",
               "dram.latency_ns=50", "dram.bytes_per_beat=64", "loom.clock_mhz=500", "loom.engine=lm4b"});
  CHECK(c.loom.dma.burst_bytes == 128);
  CHECK_FALSE(c.loom.dynamic_precision);
  CHECK(c.interconnect.bytes_per_cycle == 32);
  CHECK(c.dram.latency == sc_time(50, SC_NS));
  CHECK(c.dram.bytes_per_beat == 64);
  CHECK(c.dram.beat_time == sc_time(5000, SC_PS));  // 64 B / 12.8 GB/s = 5 ns
  CHECK(c.loom.clock_period == sc_time(2, SC_NS));  // 500 MHz
  CHECK(c.loom.engine == Engine::Lm4b);
  CHECK(c.json["loom"]["dma_burst_bytes"] == 128);
}

TEST_CASE("overrides: the last assignment of a key wins", "[config]") {
  const PlatformConfig c = load_platform("", "", {"loom.dma_burst_bytes=128", "loom.dma_burst_bytes=256"});
  CHECK(c.loom.dma.burst_bytes == 256);
}

TEST_CASE("a platform file overlays the defaults", "[config]") {
  loomvp_test::TempDir d;
  const std::string file = d / "slow.json";
  loomvp_test::write_text(file, R"({"name": "slow", "dram": {"bandwidth_gb_per_s": 3.2, "latency_ns": 150}})");
  const PlatformConfig c = load_platform(file, "", {});
  CHECK(c.name == "slow");
  CHECK(c.dram.beat_time == sc_time(10000, SC_PS));  // 32 B / 3.2 GB/s = 10 ns
  CHECK(c.dram.latency == sc_time(150, SC_NS));
  CHECK(c.dram.size_bytes == (1ull << 30));  // from the defaults
  CHECK(c.loom.engine == Engine::Lm1b);
  // --set applies on top of the file
  const PlatformConfig c2 = load_platform(file, "base", {"dram.latency_ns=70"});
  CHECK(c2.dram.latency == sc_time(70, SC_NS));
  CHECK(c2.dram.beat_time == sc_time(10000, SC_PS));
  CHECK(c2.loom.engine == Engine::Base);
}

TEST_CASE("cpu.model selects the RV32 ISS, other CPU names are refused with the allowed list", "[config]") {
  const PlatformConfig c = load_platform("mobile-soc", "", {"cpu.model=rv32", "cpu.clock_mhz=500",
                                                            "cpu.cycles_per_instruction=3"});
  CHECK(c.cpu_model == PlatformConfig::CpuModel::Rv32);
  CHECK(c.rv32.clock_period == sc_time(2, SC_NS));
  CHECK(c.rv32.cycles_per_instruction == 3);
  try {
    load_platform("mobile-soc", "", {"cpu.model=arm"});
    FAIL("cpu.model=arm accepted");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("allowed: native, rv32") != std::string::npos);
  }
  CHECK_THROWS_AS(load_platform("mobile-soc", "", {"cpu.cycles_per_instruction=0"}), UserError);
}

TEST_CASE("builtin_platforms lists mobile-soc", "[config]") {
  const auto names = builtin_platforms();
  CHECK(std::find(names.begin(), names.end(), "mobile-soc") != names.end());
}

// ----------------------------------------------------------------- errors

TEST_CASE("config error: unknown key", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"nokey=1"});
  CHECK_THAT(msg, Contains("nokey"));
  CHECK_THAT(msg, Contains("unknown key"));
  CHECK_THAT(msg, Contains("dram"));  // the allowed keys
  CHECK_THAT(msg, Contains("interconnect"));
}

TEST_CASE("config error: unknown nested key", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"dram.bandwith_gb_per_s=25.6"});
  CHECK_THAT(msg, Contains("dram.bandwith_gb_per_s"));
  CHECK_THAT(msg, Contains("bandwidth_gb_per_s"));
  CHECK_THAT(msg, Contains("latency_ns"));
}

TEST_CASE("config error: a string for a number", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"dram.latency_ns=abc"});
  CHECK_THAT(msg, Contains("dram.latency_ns"));
  CHECK_THAT(msg, Contains("number"));
}

TEST_CASE("config error: a number for a boolean", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"loom.dynamic_precision=1"});
  CHECK_THAT(msg, Contains("loom.dynamic_precision"));
  CHECK_THAT(msg, Contains("boolean"));
}

TEST_CASE("config error: a number too large for a double is bad input", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"dram.latency_ns=1e400"});
  CHECK_THAT(msg, Contains("dram.latency_ns"));
}

TEST_CASE("config error: out of range interconnect.bytes_per_cycle=0", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"interconnect.bytes_per_cycle=0"});
  CHECK_THAT(msg, Contains("interconnect.bytes_per_cycle"));
  CHECK_THAT(msg, Catch::Matches(".*allowed 1(\\.0)?\\.\\.4096.*"));
}

TEST_CASE("config error: out of range dram.bandwidth_gb_per_s=0", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"dram.bandwidth_gb_per_s=0"});
  CHECK_THAT(msg, Contains("dram.bandwidth_gb_per_s"));
  CHECK_THAT(msg, Contains("allowed"));
}

TEST_CASE("config error: fractional value for an integer key", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"loom.dma_burst_bytes=100.5"});
  CHECK_THAT(msg, Contains("loom.dma_burst_bytes"));
  CHECK_THAT(msg, Contains("whole number"));
}

TEST_CASE("config error: unknown engine", "[config][errors]") {
  const std::string msg = user_error_of("", "foo", {});
  CHECK_THAT(msg, Contains("foo"));
  CHECK_THAT(msg, Contains("base, stripes, lm1b, lm2b, lm4b"));
  const std::string msg2 = user_error_of("", "", {"loom.engine=lm8b"});
  CHECK_THAT(msg2, Contains("lm8b"));
  CHECK_THAT(msg2, Contains("loom.engine"));
  CHECK_THAT(msg2, Contains("base, stripes, lm1b, lm2b, lm4b"));
}

TEST_CASE("config error: override without '='", "[config][errors]") {
  const std::string msg = user_error_of("", "", {"dram.latency_ns"});
  CHECK_THAT(msg, Contains("--set"));
  CHECK_THAT(msg, Contains("dram.latency_ns"));
  CHECK_THAT(msg, Contains("key=value"));
  const std::string msg2 = user_error_of("", "", {"=5"});
  CHECK_THAT(msg2, Contains("key=value"));
}

TEST_CASE("config error: unknown platform name", "[config][errors]") {
  const std::string msg = user_error_of("no-such-platform", "", {});
  CHECK_THAT(msg, Contains("no-such-platform"));
  CHECK_THAT(msg, Contains("mobile-soc"));  // the built-in platforms
}

TEST_CASE("config error: malformed platform file", "[config][errors]") {
  loomvp_test::TempDir d;
  const std::string file = d / "broken.json";
  loomvp_test::write_text(file, "{\"dram\": {\"latency_ns\": 50,}");
  const std::string msg = user_error_of(file, "", {});
  CHECK_THAT(msg, Contains(file));
  CHECK_THAT(msg, Contains("malformed JSON"));
}

TEST_CASE("config error: platform file with an unknown key or a wrong type", "[config][errors]") {
  loomvp_test::TempDir d;
  const std::string file = d / "typo.json";
  loomvp_test::write_text(file, R"({"dram": {"latncy_ns": 50}})");
  const std::string msg = user_error_of(file, "", {});
  CHECK_THAT(msg, Contains(file));
  CHECK_THAT(msg, Contains("dram.latncy_ns"));
  CHECK_THAT(msg, Contains("latency_ns"));
  const std::string file2 = d / "type.json";
  loomvp_test::write_text(file2, R"({"loom": {"dynamic_precision": "yes"}})");
  const std::string msg2 = user_error_of(file2, "", {});
  CHECK_THAT(msg2, Contains(file2));
  CHECK_THAT(msg2, Contains("loom.dynamic_precision"));
  CHECK_THAT(msg2, Contains("boolean"));
}

// Issue 7, defect 4: 1e309 in a platform file was an internal error (exit 1).
TEST_CASE("config error: a number beyond double range in a platform file names the field", "[config][errors]") {
  loomvp_test::TempDir d;
  const std::string file = d / "huge.json";
  loomvp_test::write_text(file, R"({"dram": {"latency_ns": 1e309}})");
  const std::string msg = user_error_of(file, "", {});
  CHECK_THAT(msg, Contains(file + ": dram.latency_ns: number out of range"));
}

// Defect 4: a directory as the platform file was an internal error.
TEST_CASE("config error: a directory as the platform file", "[config][errors]") {
  loomvp_test::TempDir d;
  CHECK_THAT(user_error_of(d.str(), "", {}), Contains("is a directory"));
}

// Defect 9: an error inside a --set object value was blamed on the platform file.
TEST_CASE("config error: a bad value inside a --set object is blamed on --set", "[config][errors]") {
  const std::string msg = user_error_of("", "", {R"(dram={"latency_ns": -5})"});
  CHECK_THAT(msg, Contains("--set: dram.latency_ns"));
  CHECK_THAT(msg, !Contains("mobile-soc.json"));
}

TEST_CASE("config error: fault keys are checked", "[config][errors][fault]") {
  CHECK_THAT(user_error_of("", "", {"fault.mode=melt"}), Contains("none, error, flip, stall"));
  CHECK_THAT(user_error_of("", "", {"fault.mode=error"}), Contains("fault.size_bytes"));  // empty range
  CHECK_THAT(user_error_of("", "", {"fault.mode=flip", "fault.size_bytes=64", "fault.flip_mask=256"}),
             Contains("fault.flip_mask"));
  const PlatformConfig c = load_platform("", "", {"fault.mode=stall", "fault.size_bytes=64", "fault.stall_ns=5000"});
  CHECK(c.dram_fault.mode == FaultMode::Stall);
  CHECK(c.dram_fault.stall == sc_core::sc_time(5000, sc_core::SC_NS));
  CHECK(load_platform("", "", {}).dram_fault.mode == FaultMode::None);
}

TEST_CASE("config error: a clock whose period is not a whole number of ps is refused, not rounded", "[config][errors]") {
  // 300 MHz is 3333.33 ps; each clock key names itself.
  for (const std::string key : {"loom.clock_mhz", "cpu.clock_mhz", "interconnect.clock_mhz"}) {
    const std::string msg = user_error_of("", "", {key + "=300"});
    CHECK_THAT(msg, Contains(key));
    CHECK_THAT(msg, Contains("whole number of ps"));
  }
  CHECK_THAT(user_error_of("", "", {"loom.clock_mhz=1000.5"}), Contains("loom.clock_mhz"));
  // 800 MHz is exactly 1250 ps, 3.2 MHz exactly 312500 ps.
  CHECK(load_platform("", "", {"loom.clock_mhz=800"}).loom.clock_period == sc_time(1250, SC_PS));
  CHECK(load_platform("", "", {"cpu.clock_mhz=3.2"}).cpu.clock_period == sc_time(312500, SC_PS));
}

TEST_CASE("contention keys: traffic, compiler and DRAM bank timing defaults and overrides", "[config]") {
  const json j = mobile_soc();
  const PlatformConfig d = load_platform("mobile-soc", "", {});
  CHECK(d.traffic.enabled == j["traffic"]["enabled"].get<bool>());
  CHECK_FALSE(d.traffic.enabled);  // off by default
  CHECK(d.compiler.space_to_depth);  // on by default
  CHECK_FALSE(d.dram.bank_timing.enabled);
  CHECK_FALSE(d.dram.dmi_allowed);  // every DRAM access arbitrates
  CHECK(d.sram.dmi_allowed);
  // The traffic window is the top window_bytes of DRAM (base 0x8000_0000).
  CHECK(d.traffic.window_base + d.traffic.window_bytes == 0x80000000ull + d.dram.size_bytes);

  const PlatformConfig c = load_platform(
      "mobile-soc", "",
      {"traffic.enabled=true", "traffic.pattern=random", "traffic.bandwidth_gb_per_s=6.4", "traffic.burst_bytes=128",
       "traffic.window_bytes=4096", "compiler.space_to_depth=false", "dram.bank_timing=true", "dram.t_rp_ns=21",
       "simulation.quantum_ns=100"});
  CHECK(c.traffic.enabled);
  CHECK(c.traffic.random);
  CHECK(c.traffic.bandwidth_gb_per_s == 6.4);
  CHECK(c.traffic.burst_bytes == 128);
  CHECK(c.traffic.window_base == 0x80000000ull + c.dram.size_bytes - 4096);
  CHECK(c.traffic.quantum == sc_time(100, SC_NS));
  CHECK_FALSE(c.compiler.space_to_depth);
  CHECK(c.dram.bank_timing.enabled);
  CHECK(c.dram.bank_timing.t_rp == sc_time(21, SC_NS));
}

TEST_CASE("config error: traffic.pattern not sequential or random", "[config][errors]") {
  const std::string msg = user_error_of("mobile-soc", "", {"traffic.pattern=zigzag"});
  CHECK_THAT(msg, Contains("traffic.pattern"));
  CHECK_THAT(msg, Contains("zigzag"));
  CHECK_THAT(msg, Contains("sequential, random"));
}

TEST_CASE("config error: traffic.window_bytes larger than the DRAM", "[config][errors]") {
  const std::string msg = user_error_of("mobile-soc", "", {"dram.size_bytes=1048576", "traffic.window_bytes=2097152"});
  CHECK_THAT(msg, Contains("traffic.window_bytes"));
  CHECK_THAT(msg, Contains("1048576"));
}

TEST_CASE("config error: compiler.space_to_depth must be a boolean", "[config][errors]") {
  const std::string msg = user_error_of("mobile-soc", "", {"compiler.space_to_depth=2"});
  CHECK_THAT(msg, Contains("compiler.space_to_depth"));
  CHECK_THAT(msg, Contains("boolean"));
}

TEST_CASE("firmware.mode selects chains (default) or single-layer registers - unknown modes are refused", "[config]") {
  const PlatformConfig defaults = load_platform("", "", {});
  CHECK_FALSE(defaults.firmware.register_mode);
  CHECK_FALSE(defaults.firmware.irq_per_layer);
  const PlatformConfig registers = load_platform("", "", {"firmware.mode=registers", "firmware.irq_per_layer=true"});
  CHECK(registers.firmware.register_mode);
  CHECK(registers.firmware.irq_per_layer);
  const std::string msg = user_error_of("", "", {"firmware.mode=dma"});
  CHECK_THAT(msg, Contains("firmware.mode"));
  CHECK_THAT(msg, Contains("chain, registers"));
}

TEST_CASE("energy parameters come from the platform file's energy section", "[config][energy]") {
  const json j = mobile_soc();
  const PlatformConfig c = load_platform("", "", {"energy.dram_pj_per_byte=12.5"});
  CHECK(c.energy.mac16_pj == j["energy"]["mac16_pj"].get<double>());
  CHECK(c.energy.sip_bit_op_pj == j["energy"]["sip_bit_op_pj"].get<double>());
  CHECK(c.energy.static_power_mw == j["energy"]["static_power_mw"].get<double>());
  CHECK(c.energy.dram_pj_per_byte == 12.5);
}

TEST_CASE("config error: a negative or non-numeric energy parameter", "[config][errors][energy]") {
  std::string msg = user_error_of("", "", {"energy.sip_bit_op_pj=-0.1"});
  CHECK_THAT(msg, Contains("energy.sip_bit_op_pj"));
  CHECK_THAT(msg, Contains("allowed 0..10000"));
  msg = user_error_of("", "", {"energy.static_power_mw=lots"});
  CHECK_THAT(msg, Contains("energy.static_power_mw"));
  CHECK_THAT(msg, Contains("must be a number"));
  msg = user_error_of("", "", {"energy.joules_per_op=1"});
  CHECK_THAT(msg, Contains("unknown key"));
  CHECK_THAT(msg, Contains("mac16_pj"));
}
