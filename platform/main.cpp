// loomvp: command-line front end (docs/user-guide.md).
//   loomvp run   --workload NAME|DIR --engine ENGINE --platform NAME|FILE [--set k=v]...
//                [--stats FILE.json] [--csv FILE] [--junit FILE.xml] [--trace FILE.json] [--vcd FILE] [--quiet]
//   loomvp sweep [run options] --point "k=v ..."... | --points FILE [--stats-dir DIR] [--jobs N]
//   loomvp exec  FILE.elf [--max-instructions N] [--gdb PORT] [--console FILE]
//   loomvp list
//   loomvp bench [--workload NAME] [--engines a,b,...] [--vgg16]
//   loomvp bench --iss [--elf FILE]
//   loomvp --version
// Exit codes: 0 ran and every check passed, 1 firmware or check failure (or a
// run limit ended it), 2 bad input (including an output file that cannot be
// written), 3 internal error (a bug in LoomVP). docs/errors.md lists them all.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <boost/program_options.hpp>
#include <systemc>

#include "loomvp_version.h"

#include "models/cpu/gdb_server.h"
#include "platform/batch.h"
#include "platform/bench.h"
#include "platform/budget.h"
#include "platform/config.h"
#include "platform/exec.h"
#include "platform/input_checks.h"
#include "platform/iss_bench.h"
#include "platform/junit.h"
#include "platform/networks.h"
#include "platform/output_files.h"
#include "platform/python_tool.h"
#include "platform/report.h"
#include "platform/runner.h"
#include "platform/sweep.h"
#include "platform/user_error.h"
#include "platform/workload.h"

namespace po = boost::program_options;
using namespace loomvp;

namespace {

constexpr int kExitPass = 0, kExitFail = 1, kExitBadInput = 2, kExitInternal = 3;

const char* const kUsage =
    "usage: loomvp run [--workload NAME|DIR] [--profile NAME] [--engine ENGINE] [--platform NAME|FILE]\n"
    "                  [--set key=value]... [--stats FILE.json] [--csv FILE] [--junit FILE.xml] [--quiet]\n"
    "                  [--cpu native|rv32] [--gdb PORT] [--console FILE] [--batch N [--jobs J]]\n"
    "                  [--trace FILE.json] [--vcd FILE.vcd]\n"
    "       loomvp exec FILE.elf [--max-instructions N] [--gdb PORT] [--console FILE]\n"
    "                  [--platform NAME|FILE] [--set key=value]...\n"
    "       loomvp sweep [--workload ..] [--profile ..] [--engine ..] [--platform ..] [--set key=value]...\n"
    "                    (--point \"key=value ...\")... | --points FILE  [--stats-dir DIR] [--jobs N]\n"
    "       loomvp sweep SPEC.json [--dask ADDRESS] [--jobs N] [--serial]   (grid sweep, tools/sweep.py)\n"
    "       loomvp budget --workload NAME (--target-fps F | --target-ms T) [--engine a,b,..] [--profile p,q,..]\n"
    "                     [--platform ..] [--set key=value]... [--json FILE] [--jobs N] [--tolerance X]\n"
    "       loomvp report --out DIR [--networks a,b,..|--all] [--engines a,b,..] [--profiles p,q,..]   (tools/report.py)\n"
    "       loomvp list\n"
    "       loomvp bench [--workload NAME|DIR] [--engines base,stripes,lm1b,lm2b,lm4b] [--vgg16]\n"
    "       loomvp bench --iss [--elf FILE.elf]\n"
    "       loomvp --version\n";

// Every verb parses its options here. A word not taken by `positionals` (a
// stray `run tiny-conv`) is an error; so is an empty value (--engine '') and
// a negative number for an unsigned option (boost would wrap `--jobs -1`).
po::variables_map parse(const po::options_description& options, int argc, char** argv,
                        const po::positional_options_description& positionals = {}) {
  po::variables_map vm;
  po::parsed_options parsed(&options);
  try {
    parsed = po::command_line_parser(argc, argv).options(options).positional(positionals).run();
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError("command line", "", echo(e.what()) + "\n" + kUsage);
  }
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    if (!vm.count(name) || vm[name].defaulted()) continue;
    const boost::any& value = vm[name].value();
    const auto* text = boost::any_cast<std::string>(&value);
    const auto* list = boost::any_cast<std::vector<std::string>>(&value);
    const bool empty = (text && text->empty()) ||
                       (list && std::any_of(list->begin(), list->end(), [](const std::string& v) { return v.empty(); }));
    if (empty) throw UserError("--" + name, "''", "empty value; give a value or leave the option out\n" + std::string(kUsage));
  }
  for (const po::option& given : parsed.options) {
    if (given.value.empty() || given.value[0].empty() || given.value[0][0] != '-' || !vm.count(given.string_key))
      continue;
    const boost::any& value = vm[given.string_key].value();
    if (boost::any_cast<uint16_t>(&value) || boost::any_cast<uint32_t>(&value) || boost::any_cast<uint64_t>(&value))
      throw UserError("--" + given.string_key, echo(given.value[0]), "negative; allowed: a number >= 0");
  }
  return vm;
}

// Listens for gdb and blocks until it connects (docs/user-guide.md).
std::unique_ptr<GdbServer> open_gdb(uint16_t port, DebugHook*& hook) {
  std::unique_ptr<GdbServer> server;
  try {
    server = std::make_unique<GdbServer>(port);
  } catch (const std::runtime_error& e) {
    throw UserError("--gdb", std::to_string(port), e.what());
  }
  std::cerr << "loomvp: waiting for gdb on 127.0.0.1:" << server->port() << std::endl;
  server->accept_client();
  hook = server.get();
  return server;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

int command_run(int argc, char** argv) {
  RunOptions options;
  std::string stats_path, csv_path, junit_path, trace_path, vcd_path;
  uint32_t batch_images = 0, batch_jobs = 1;
  po::options_description desc("run options");
  desc.add_options()
      ("workload", po::value(&options.workload)->default_value("alexnet"), "built-in workload or bundle directory")
      ("profile", po::value(&options.profile), "precision profile of a network (loomvp list)")
      ("batch", po::value(&batch_images), "run N images: the input set's first N (top-1 accuracy), or seeds seed..seed+N-1 of a generated input")
      ("jobs", po::value(&batch_jobs)->default_value(1), "--batch: images simulated in parallel")
      ("engine", po::value(&options.engine), "base, stripes, lm1b, lm2b, lm4b (default: the platform's)")
      ("platform", po::value(&options.platform)->default_value("mobile-soc"), "built-in platform or JSON file")
      ("set", po::value(&options.overrides)->composing(), "override a platform setting, key=value")
      ("cpu", po::value<std::string>(), "host CPU: native (default) or rv32 (the cross-built driver on the ISS)")
      ("gdb", po::value<uint16_t>(), "with --cpu rv32: wait for gdb on 127.0.0.1:PORT (0: any free port)")
      ("console", po::value<std::string>(), "also write the UART output to this file")
      ("stats", po::value(&stats_path), "write per-layer statistics as JSON")
      ("csv", po::value(&csv_path), "write per-layer statistics as CSV")
      ("junit", po::value(&junit_path), "write one JUnit test case per layer check")
      ("trace", po::value(&trace_path), "write a Chrome/Perfetto trace-event JSON of the run")
      ("vcd", po::value(&vcd_path), "write busy, irq and dma_active signals as VCD")
      ("quiet", po::bool_switch(), "print only the verdict line");
  const po::variables_map vm = parse(desc, argc, argv);
  if (!vm["jobs"].defaulted() && !vm.count("batch"))
    throw UserError("--jobs", std::to_string(batch_jobs), "needs --batch (images simulated in parallel)");
  if (vm.count("cpu")) options.overrides.push_back("cpu.model=" + vm["cpu"].as<std::string>());
  std::unique_ptr<GdbServer> gdb;
  if (vm.count("gdb")) {
    if (load_platform(options.platform, options.engine, options.overrides).cpu_model != PlatformConfig::CpuModel::Rv32)
      throw UserError("--gdb", std::to_string(vm["gdb"].as<uint16_t>()),
                      "needs --cpu rv32 (the native CPU runs host code, which gdb cannot step)");
    gdb = open_gdb(vm["gdb"].as<uint16_t>(), options.debug_hook);
  }
  // Outputs are checked before simulating, so a typo costs no simulation time.
  const std::string console_path = vm.count("console") ? vm["console"].as<std::string>() : "";
  const std::vector<std::pair<std::string, std::string>> outputs{
      {"--stats", stats_path}, {"--csv", csv_path}, {"--junit", junit_path}, {"--trace", trace_path},
      {"--vcd", vcd_path}, {"--console", console_path}};
  for (const auto& [option, path] : outputs)
    if (vm.count(option.substr(2))) check_writable(option, path);
  if (vm.count("batch")) {
    if (gdb) throw UserError("--batch", std::to_string(batch_images), "cannot be combined with --gdb");
    if (vm.count("trace") || vm.count("vcd"))
      throw UserError("--batch", std::to_string(batch_images), "cannot be combined with --trace or --vcd");
    const BatchResult batch = run_batch(options, batch_images, batch_jobs, std::cerr);
    if (!vm["quiet"].as<bool>()) print_batch(std::cout, batch);
    if (!stats_path.empty()) write_outputs({{"--stats", stats_path, batch_json(batch).dump(2) + "\n"}});
    return batch.passed() ? kExitPass : kExitFail;
  }

  options.trace = vm.count("trace") > 0;
  options.vcd = vm.count("vcd") > 0;
  const RunResult result = run_workload(options);
  if (gdb) gdb->finish(result.firmware_exit_code);
  if (vm["quiet"].as<bool>())
    std::cout << verdict(result) << "\n";
  else
    print_summary(std::cout, result);
  std::vector<OutputFile> files;
  if (!stats_path.empty()) files.push_back({"--stats", stats_path, stats_json(result).dump(2) + "\n"});
  if (!csv_path.empty()) {
    std::ostringstream csv;
    write_csv(csv, result);
    files.push_back({"--csv", csv_path, csv.str()});
  }
  if (!junit_path.empty()) files.push_back({"--junit", junit_path, junit_xml(result)});
  if (options.trace) files.push_back({"--trace", trace_path, result.trace_json});
  if (options.vcd) files.push_back({"--vcd", vcd_path, result.vcd_text});
  if (!console_path.empty()) files.push_back({"--console", console_path, join_lines(result.console)});
  write_outputs(files);
  return result.passed() ? kExitPass : kExitFail;
}

int command_sweep(int argc, char** argv) {
  // `loomvp sweep SPEC.json ...`: the grid sweep driver (tools/sweep.py).
  if (argc > 1 && argv[1][0] != '-') exec_python_tool("tools/sweep.py", argc - 1, argv + 1);
  SweepOptions options;
  po::options_description desc("sweep options");
  desc.add_options()
      ("workload", po::value(&options.run.workload)->default_value("alexnet"), "built-in workload or bundle directory")
      ("profile", po::value(&options.run.profile), "precision profile of a network (loomvp list)")
      ("engine", po::value(&options.run.engine), "base, stripes, lm1b, lm2b, lm4b (default: the platform's)")
      ("platform", po::value(&options.run.platform)->default_value("mobile-soc"), "built-in platform or JSON file")
      ("set", po::value(&options.run.overrides)->composing(), "a setting common to every point, key=value")
      ("point", po::value(&options.points)->composing(), "one point: whitespace-separated key=value settings")
      ("points", po::value(&options.points_file), "a file of points, one per line")
      ("stats-dir", po::value(&options.stats_dir), "write point-N.json (the run's stats JSON) per point")
      ("jobs", po::value(&options.jobs)->default_value(0), "points simulated at a time (0: one per CPU)");
  parse(desc, argc, argv);
  return run_sweep(options, std::cout);
}

// "a,b" and repeated options alike: every item of every value.
std::vector<std::string> comma_list(const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const std::string& value : values) {
    std::istringstream in(value);
    for (std::string item; std::getline(in, item, ',');)
      if (!item.empty()) items.push_back(item);
  }
  return items;
}

int command_budget(int argc, char** argv) {
  BudgetOptions options;
  std::vector<std::string> engines, profiles;
  po::options_description desc("budget options");
  desc.add_options()
      ("workload", po::value(&options.run.workload)->default_value("alexnet"), "built-in workload, network or bundle")
      ("profile", po::value(&profiles)->composing(), "precision profiles (comma-separated or repeated)")
      ("engine", po::value(&engines)->composing(), "engines (comma-separated or repeated; default: all)")
      ("platform", po::value(&options.run.platform)->default_value("mobile-soc"), "built-in platform or JSON file")
      ("set", po::value(&options.run.overrides)->composing(), "a setting for every simulation, key=value")
      ("target-fps", po::value<double>(), "frames per second to meet")
      ("target-ms", po::value<double>(), "milliseconds per frame to meet")
      ("json", po::value(&options.json_path), "write the results as JSON")
      ("jobs", po::value(&options.jobs)->default_value(0), "simulations at a time (0: one per CPU)")
      ("tolerance", po::value(&options.tolerance)->default_value(0.01), "relative width of the final bracket")
      ("min-gb-per-s", po::value(&options.min_gb_per_s)->default_value(0.1), "lowest bandwidth searched")
      ("max-gb-per-s", po::value(&options.max_gb_per_s)->default_value(1000), "highest bandwidth searched");
  const po::variables_map vm = parse(desc, argc, argv);
  if (vm.count("target-fps") == vm.count("target-ms"))
    throw UserError("--target-fps/--target-ms", "", "give exactly one of them");
  const double target = vm.count("target-fps") ? vm["target-fps"].as<double>() : vm["target-ms"].as<double>();
  if (!(target > 0 && target < 1e9))
    throw UserError(vm.count("target-fps") ? "--target-fps" : "--target-ms", std::to_string(target),
                    "must be a positive number below 1e9");
  options.target_ns = vm.count("target-fps") ? 1e9 / target : target * 1e6;
  if (!(options.tolerance >= 1e-4 && options.tolerance <= 1))
    throw UserError("--tolerance", std::to_string(options.tolerance), "allowed 0.0001..1");
  if (!(options.min_gb_per_s >= 0.001 && options.min_gb_per_s < options.max_gb_per_s && options.max_gb_per_s <= 1e6))
    throw UserError("--min-gb-per-s/--max-gb-per-s", "", "need 0.001 <= min < max <= 1000000");
  options.engines = comma_list(engines);
  options.profiles = comma_list(profiles);
  return run_budget(options, std::cout);
}

int command_exec(int argc, char** argv) {
  ExecOptions options;
  std::string console_path;
  po::options_description desc("exec options");
  desc.add_options()
      ("elf", po::value(&options.elf)->required(), "bare-metal RV32 ELF linked for the SoC map")
      ("max-instructions", po::value(&options.max_instructions), "stop (and fail) after N instructions")
      ("gdb", po::value<uint16_t>(), "wait for gdb on 127.0.0.1:PORT (0: any free port)")
      ("console", po::value(&console_path), "also write the UART output to this file")
      ("platform", po::value(&options.platform)->default_value("mobile-soc"), "built-in platform or JSON file")
      ("set", po::value(&options.overrides)->composing(), "override a platform setting, key=value");
  po::positional_options_description positional;
  positional.add("elf", 1);
  const po::variables_map vm = parse(desc, argc, argv, positional);
  std::string console_text;
  options.console = [&console_text](const std::string& line) {
    std::cout << line << "\n" << std::flush;
    console_text += line + "\n";
  };
  if (vm.count("console")) check_writable("--console", console_path);
  std::unique_ptr<GdbServer> gdb;
  if (vm.count("gdb")) gdb = open_gdb(vm["gdb"].as<uint16_t>(), options.debug_hook);

  const ExecResult result = exec_elf(options);
  if (gdb) gdb->finish(static_cast<uint8_t>(result.exit_code));
  if (!console_path.empty()) write_outputs({{"--console", console_path, console_text}});
  std::cout << "exec: " << (result.passed ? "PASS" : "FAIL") << ": " << result.status << " after "
            << result.instructions_retired << " instructions, " << result.simulated_ns << " ns\n";
  return result.passed ? kExitPass : kExitFail;
}

// A verb without options: any further word is an error.
void no_arguments(int argc, char** argv) { parse(po::options_description(), argc, argv); }

int command_list() {
  std::cout << "workloads:";
  for (const auto& name : builtin_workloads()) std::cout << " " << name;
  std::cout << "\nnetworks (--workload NAME --profile PROFILE; first profile is the default;"
               " generated on first use into " << network_cache_dir() << "):\n";
  for (const NetworkEntry& n : network_index()) {
    std::cout << "  " << n.name << ": ";
    for (size_t i = 0; i < n.profiles.size(); ++i) std::cout << (i ? ", " : "") << n.profiles[i];
    std::cout << "\n      " << n.description << "\n";
  }
  std::cout << "platforms:";
  for (const auto& name : builtin_platforms()) std::cout << " " << name;
  std::cout << "\nengines: " << engine_names() << "\n";
  return kExitPass;
}

int command_bench(int argc, char** argv) {
  std::string workload = "alexnet", engines = "base,stripes,lm1b,lm2b,lm4b";
  po::options_description desc("bench options");
  desc.add_options()
      ("workload", po::value(&workload)->default_value(workload), "built-in workload or bundle directory")
      ("engines", po::value(&engines)->default_value(engines), "comma-separated engines")
      ("vgg16", po::bool_switch(), "add a row: the vgg16-224 workload on the platform's engine")
      ("iss", po::bool_switch(), "RV32 ISS speed (MIPS) on a compute-bound program instead")
      ("elf", po::value<std::string>(), "with --iss: the RV32 program (default: the built benchmark)");
  const po::variables_map vm = parse(desc, argc, argv);
  if (vm.count("elf") && !vm["iss"].as<bool>()) throw UserError("--elf", "", "needs --iss (the ISS benchmark program)");
  for (const char* engine_option : {"workload", "engines"})
    if (vm["iss"].as<bool>() && !vm[engine_option].defaulted())
      throw UserError(std::string("--") + engine_option, "", "cannot be combined with --iss");
  if (vm["iss"].as<bool>()) {
    const std::string elf = vm.count("elf") ? vm["elf"].as<std::string>() : iss_bench_program();
    if (elf.empty())
      throw UserError("--iss", "", "the ISS benchmark program was not built (riscv64-unknown-elf-gcc missing); give --elf");
    return run_iss_bench(elf, std::cout);
  }
  // The engine runs are child processes, so this one may still simulate the ISS.
  int status = run_bench(workload, engines, vm["vgg16"].as<bool>() ? "vgg16-224" : "", std::cout);
  const std::string elf = iss_bench_program();
  if (elf.empty())
    std::cout << "rv32-iss: skipped (the ISS benchmark was not built: riscv64-unknown-elf-gcc missing)\n";
  else
    status = std::max(status, run_iss_bench(elf, std::cout));
  return status;
}

}  // namespace

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "run") return command_run(argc - 1, argv + 1);
    if (command == "list") {
      no_arguments(argc - 1, argv + 1);
      return command_list();
    }
    if (command == "exec") return command_exec(argc - 1, argv + 1);
    if (command == "bench") return command_bench(argc - 1, argv + 1);
    // A deliberate bug, so the tests can check exit code 3 (docs/errors.md).
    if (command == "internal-error-selftest") throw std::logic_error("deliberate internal error (self-test)");
    if (command == "sweep") return command_sweep(argc - 1, argv + 1);
    if (command == "budget") return command_budget(argc - 1, argv + 1);
    if (command == "report") exec_python_tool("tools/report.py", argc - 2, argv + 2);
    if (command == "--version" || command == "version") {
      no_arguments(argc - 1, argv + 1);
      std::cout << "loomvp " << LOOMVP_VERSION << " (revision " << LOOMVP_REVISION << ")\n";
      return kExitPass;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      no_arguments(argc - 1, argv + 1);
      std::cout << kUsage;
      return kExitPass;
    }
    throw UserError("command line", command.empty() ? "(none)" : command,
                    std::string("unknown command; allowed: run, exec, sweep, budget, report, list, bench, help, --version\n") + kUsage);
  } catch (const UserError& e) {
    std::cerr << "loomvp: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "loomvp: internal error (a bug in LoomVP; please report it): " << echo(e.what()) << "\n";
    return kExitInternal;
  } catch (...) {
    std::cerr << "loomvp: internal error (a bug in LoomVP; please report it): unknown exception\n";
    return kExitInternal;
  }
}

// Our own main, so the SystemC banner can be switched off before the kernel
// prints it.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
