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
#include "platform/golden_reference.h"
#include "platform/runner.h"
#include "platform/user_error.h"
#include "platform/workload.h"

extern char** environ;

namespace loomvp {
namespace {

struct BenchRow {
  int exit_code = 1;
  double wall_s = 0, cpu_s = 0, peak_mib = 0;
  uint64_t cycles = 0, macs = 0;
};

std::string self_path() {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) throw std::runtime_error("cannot find the loomvp executable");
  self[len] = '\0';
  return self;
}

// One `loomvp run` in a child process, measured by wait4's rusage.
// `extra`: further `run` options.
BenchRow run_child(const std::string& self, const std::string& workload, const std::string& engine,
                   const std::vector<std::string>& extra = {}) {
  const std::string stats =
      "/tmp/loomvp-bench-" + std::to_string(getpid()) + "-" + engine + "-" + std::to_string(extra.size()) + ".json";
  std::vector<std::string> args{self, "run", "--workload", workload, "--stats", stats, "--quiet"};
  if (!engine.empty()) args.insert(args.end(), {"--engine", engine});
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot start " + self);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  BenchRow row;
  row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  row.cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  row.peak_mib = usage.ru_maxrss / 1024.0;
  row.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  std::ifstream in(stats);
  if (in) {
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.contains("totals")) {
      row.cycles = j["totals"].value("cycles", uint64_t{0});
      row.macs = j["totals"].value("macs", uint64_t{0});
    }
  }
  std::remove(stats.c_str());
  return row;
}

void print_row(std::ostream& out, const std::string& label, const BenchRow& r, double floor_s) {
  char line[256];
  std::snprintf(line, sizeof line, "%-18s %8.2f %8.2f %9.1f %12llu %8.3f %12.3e %10.3e %8.1f  %s\n", label.c_str(),
                r.wall_s, r.cpu_s, r.peak_mib, (unsigned long long)r.cycles, r.macs / 1e9, r.macs / r.wall_s,
                floor_s, r.wall_s / floor_s, r.exit_code == 0 ? "pass" : "FAIL");
  out << line << std::flush;
}

// The best of three timings: the floor is what the host can do at best.
double floor_seconds(const std::string& workload) {
  const Workload w = read_network(workload);
  double best = gemm_floor_seconds(w);
  for (int i = 0; i < 2; ++i) best = std::min(best, gemm_floor_seconds(w));
  return best;
}

}  // namespace

int run_bench(const std::string& workload, const std::string& engines, const std::string& vgg16_workload,
              std::ostream& out) {
  std::vector<std::string> names;
  std::stringstream list(engines);
  for (std::string name; std::getline(list, name, ',');) {
    if (!parse_engine(name))
      throw UserError("--engines", name, std::string("unknown engine; allowed: ") + engine_names());
    names.push_back(name);
  }
  // The floors need only the layer shapes: no tensor is generated here.
  const double floor_s = floor_seconds(workload);
  const double vgg_floor_s = vgg16_workload.empty() ? 0 : floor_seconds(vgg16_workload);
  const std::string self = self_path();

  char line[256];
  std::snprintf(line, sizeof line, "%-18s %8s %8s %9s %12s %8s %12s %10s %8s  %s\n", "workload/engine", "wall_s",
                "cpu_s", "peak_MiB", "cycles", "GMAC", "MAC/wall_s", "floor_s", "x_floor", "result");
  out << "LoomVP bench: workload " << workload << " (floor: float64 GEMM of its layers' im2col shapes, timed here)\n"
      << line;
  int status_all = 0;
  for (const std::string& engine : names) {
    const BenchRow row = run_child(self, workload, engine);
    status_all = std::max(status_all, row.exit_code);
    print_row(out, engine, row, floor_s);
  }
  // The first engine again with the cross-built driver on the RV32 ISS: the
  // host time next to the native CPU's row above.
  if (rv32_firmware_path().empty()) {
    out << names.front() << "/rv32: skipped (the RV32 firmware was not built)\n";
  } else {
    const BenchRow row = run_child(self, workload, names.front(), {"--cpu", "rv32"});
    status_all = std::max(status_all, row.exit_code);
    print_row(out, names.front() + "/rv32", row, floor_s);
  }
  if (!vgg16_workload.empty()) {
    const BenchRow row = run_child(self, vgg16_workload, "");
    status_all = std::max(status_all, row.exit_code);
    print_row(out, vgg16_workload + " (default engine)", row, vgg_floor_s);
  }
  return status_all;
}

}  // namespace loomvp
