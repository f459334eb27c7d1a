// loomvp: command-line front end (docs/user-guide.md).
//   loomvp run   --workload NAME|DIR --engine ENGINE --platform NAME|FILE [--set k=v]...
//                [--stats FILE.json] [--csv FILE] [--junit FILE.xml] [--quiet]
//   loomvp list
//   loomvp bench [--workload NAME] [--engines a,b,...]
//   loomvp bench --iss [--elf FILE]
// Exit codes: 0 ran and every check passed, 1 firmware or check failure (or a
// run limit ended it), 2 bad input (including an output file that cannot be
// written), 3 internal error (a bug in LoomVP). docs/errors.md lists them all.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <boost/program_options.hpp>
#include <systemc>

#include "platform/bench.h"
#include "platform/config.h"
#include "platform/input_checks.h"
#include "platform/junit.h"
#include "platform/output_files.h"
#include "platform/iss_bench.h"
#include "platform/report.h"
#include "platform/runner.h"
#include "platform/user_error.h"
#include "platform/workload.h"

namespace po = boost::program_options;
using namespace loomvp;

namespace {

constexpr int kExitPass = 0, kExitFail = 1, kExitBadInput = 2, kExitInternal = 3;

const char* const kUsage =
    "usage: loomvp run [--workload NAME|DIR] [--engine ENGINE] [--platform NAME|FILE]\n"
    "                  [--set key=value]... [--stats FILE.json] [--csv FILE] [--junit FILE.xml] [--quiet]\n"
    "       loomvp list\n"
    "       loomvp bench [--workload NAME|DIR] [--engines base,stripes,lm1b,lm2b,lm4b]\n"
    "       loomvp bench --iss [--elf FILE.elf]\n";

po::variables_map parse(const po::options_description& options, int argc, char** argv) {
  po::variables_map vm;
  const po::positional_options_description no_positionals;  // a stray word (`run tiny-conv`) is an error
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(no_positionals).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError("command line", "", echo(e.what()) + "\n" + kUsage);
  }
  // An empty value (--engine '') is a mistake, never "use the default".
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
  return vm;
}

int command_run(int argc, char** argv) {
  RunOptions options;
  std::string stats_path, csv_path, junit_path;
  po::options_description desc("run options");
  desc.add_options()
      ("workload", po::value(&options.workload)->default_value("alexnet"), "built-in workload or bundle directory")
      ("engine", po::value(&options.engine), "base, stripes, lm1b, lm2b, lm4b (default: the platform's)")
      ("platform", po::value(&options.platform)->default_value("mobile-soc"), "built-in platform or JSON file")
      ("set", po::value(&options.overrides)->composing(), "override a platform setting, key=value")
      ("stats", po::value(&stats_path), "write per-layer statistics as JSON")
      ("csv", po::value(&csv_path), "write per-layer statistics as CSV")
      ("junit", po::value(&junit_path), "write one JUnit test case per layer check")
      ("quiet", po::bool_switch(), "print only the verdict line");
  const po::variables_map vm = parse(desc, argc, argv);
  // Outputs are checked before simulating, so a typo costs no simulation time.
  const std::vector<std::pair<std::string, std::string>> outputs{
      {"--stats", stats_path}, {"--csv", csv_path}, {"--junit", junit_path}};
  for (const auto& [option, path] : outputs)
    if (vm.count(option.substr(2))) check_writable(option, path);

  const RunResult result = run_workload(options);
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
  write_outputs(files);
  return result.passed() ? kExitPass : kExitFail;
}

int command_list() {
  std::cout << "workloads:";
  for (const auto& name : builtin_workloads()) std::cout << " " << name;
  std::cout << "\nplatforms:";
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
      ("iss", po::bool_switch(), "RV32 ISS speed (MIPS) on a compute-bound program instead")
      ("elf", po::value<std::string>(), "with --iss: the RV32 program (default: the built benchmark)");
  const po::variables_map vm = parse(desc, argc, argv);
  if (vm["iss"].as<bool>()) {
    const std::string elf = vm.count("elf") ? vm["elf"].as<std::string>() : iss_bench_program();
    if (elf.empty())
      throw UserError("--iss", "", "the ISS benchmark program was not built (riscv64-unknown-elf-gcc missing); give --elf");
    return run_iss_bench(elf, std::cout);
  }
  return run_bench(workload, engines, std::cout);
}

}  // namespace

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "run") return command_run(argc - 1, argv + 1);
    if (command == "list") return command_list();
    if (command == "bench") return command_bench(argc - 1, argv + 1);
    // A deliberate bug, so the tests can check exit code 3 (docs/errors.md).
    if (command == "internal-error-selftest") throw std::logic_error("deliberate internal error (self-test)");
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return kExitPass;
    }
    throw UserError("command line", command.empty() ? "(none)" : command,
                    std::string("unknown command; allowed: run, list, bench, help\n") + kUsage);
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
