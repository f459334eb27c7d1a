#include "bench.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/loom/timing.h"
#include "platform/runner.h"
#include "platform/user_error.h"

extern char** environ;

namespace loomvp {

int run_bench(const std::string& workload, const std::string& engines, std::ostream& out) {
  std::vector<std::string> names;
  std::stringstream list(engines);
  for (std::string name; std::getline(list, name, ',');) {
    if (!parse_engine(name))
      throw UserError("--engines", name, std::string("unknown engine; allowed: ") + engine_names());
    names.push_back(name);
  }
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) throw std::runtime_error("cannot find the loomvp executable");
  self[len] = '\0';

  char line[256];
  std::snprintf(line, sizeof line, "%-9s %10s %10s %14s %14s %16s  %s\n", "engine", "host_s", "peak_MiB",
                "cycles", "GMAC", "MAC/host_s", "result");
  out << "LoomVP bench: workload " << workload << "\n" << line;
  int status_all = 0;
  // One child run per row; `extra` are further `run` options.
  const auto run_row = [&](const std::string& label, const std::string& engine, const std::vector<std::string>& extra) {
    const std::string stats =
        "/tmp/loomvp-bench-" + std::to_string(getpid()) + "-" + engine + "-" + std::to_string(extra.size()) + ".json";
    std::vector<std::string> args{self, "run", "--workload", workload, "--engine", engine, "--stats", stats, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid;
    if (posix_spawn(&pid, self, nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + std::string(self));
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    status_all = std::max(status_all, code);
    uint64_t cycles = 0, macs = 0;
    std::ifstream in(stats);
    if (in) {
      const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
      if (!j.is_discarded()) {
        cycles = j["totals"].value("cycles", uint64_t{0});
        macs = j["totals"].value("macs", uint64_t{0});
      }
    }
    std::remove(stats.c_str());
    std::snprintf(line, sizeof line, "%-9s %10.2f %10.1f %14llu %14.3f %16.3e  %s\n", label.c_str(), seconds,
                  usage.ru_maxrss / 1024.0, (unsigned long long)cycles, macs / 1e9, macs / seconds,
                  code == 0 ? "pass" : "FAIL");
    out << line << std::flush;
  };
  for (const std::string& engine : names) run_row(engine, engine, {});
  // The first engine again with the cross-built driver on the RV32 ISS: the
  // host time next to the native CPU's row above.
  if (rv32_firmware_path().empty())
    out << names.front() << "/rv32: skipped (the RV32 firmware was not built)\n";
  else
    run_row(names.front() + "/rv32", names.front(), {"--cpu", "rv32"});
  return status_all;
}

}  // namespace loomvp
