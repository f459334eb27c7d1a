#include "sweep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "platform/golden_reference.h"
#include "platform/output_files.h"
#include "platform/report.h"
#include "platform/user_error.h"

namespace loomvp {
namespace {

constexpr size_t kMaxPoints = 100000;
constexpr unsigned kMaxJobs = 256;

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// Every point's settings, from --point and --points.
std::vector<std::vector<std::string>> read_points(const SweepOptions& o) {
  std::vector<std::vector<std::string>> points;
  for (const std::string& p : o.points) points.push_back(split_words(p));
  if (!o.points_file.empty()) {
    if (!std::filesystem::is_regular_file(o.points_file))
      throw UserError("--points", o.points_file, "not a readable regular file");
    std::ifstream in(o.points_file);
    for (std::string line; std::getline(in, line) && points.size() <= kMaxPoints;) {
      line = line.substr(0, line.find('#'));
      if (!split_words(line).empty()) points.push_back(split_words(line));
    }
  }
  if (points.empty()) throw UserError("--point/--points", "", "no points given; each point is key=value settings");
  if (points.size() > kMaxPoints)
    throw UserError("--points", o.points_file, "more than " + std::to_string(kMaxPoints) + " points");
  return points;
}

std::string point_text(const std::vector<std::string>& settings) {
  std::string text;
  for (const std::string& s : settings) text += (text.empty() ? "" : " ") + s;
  return text.size() > 200 ? text.substr(0, 200) + "..." : text;
}

// The child's work: simulate one point, write its stats, exit.
[[noreturn]] void run_point(const PlatformConfig& cfg, const std::shared_ptr<const Workload>& workload,
                            const CompiledWorkload& compiled, const MemoryPlan& plan, const DramImage& image,
                            const GoldenOutputs& golden, const std::string& option, const std::string& stats_path) {
  int code = 1;
  try {
    const RunResult result =
        simulate(cfg, workload, compiled, plan, [&golden]() -> const GoldenOutputs& { return golden; }, &image);
    // Temporary file and rename, close checked: a point file is whole or absent.
    write_outputs({{option, stats_path, stats_json(result).dump(2) + "\n"}});
    code = result.passed() ? 0 : 1;
  } catch (const UserError& e) {
    std::fprintf(stderr, "loomvp: error: %s\n", e.what());
    code = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loomvp sweep: point error: %s\n", e.what());
  }
  std::fflush(nullptr);
  _exit(code);
}

}  // namespace

int run_sweep(const SweepOptions& o, std::ostream& out) {
  if (o.jobs > kMaxJobs)
    throw UserError("--jobs", std::to_string(o.jobs), "allowed 0.." + std::to_string(kMaxJobs) + " (0: one per host CPU)");
  const auto points = read_points(o);
  if (!o.stats_dir.empty() && !std::filesystem::is_directory(o.stats_dir))
    throw UserError("--stats-dir", o.stats_dir, "not a directory");
  const std::string tmp_prefix = "/tmp/loomvp-sweep-" + std::to_string(getpid()) + "-";
  const auto stats_path = [&](size_t i) {
    return o.stats_dir.empty() ? tmp_prefix + std::to_string(i) + ".json"
                               : (std::filesystem::path(o.stats_dir) / ("point-" + std::to_string(i) + ".json")).string();
  };
  // Every point file is checked before anything is loaded or simulated.
  if (!o.stats_dir.empty())
    for (size_t i = 0; i < points.size(); ++i) check_writable("--stats-dir", stats_path(i));

  // Load once: every point's platform, limits and memory plan before any
  // tensor is generated, so bad input in any point is exit 2 at once.
  std::vector<PlatformConfig> configs;
  for (size_t i = 0; i < points.size(); ++i) {
    std::vector<std::string> overrides = o.run.overrides;
    overrides.insert(overrides.end(), points[i].begin(), points[i].end());
    try {
      configs.push_back(load_platform(o.run.platform, o.run.engine, overrides));
      check_cpu_firmware(configs.back());
    } catch (const UserError& e) {
      throw UserError("--point " + std::to_string(i), point_text(points[i]), e.what());
    }
  }
  auto workload = std::make_shared<Workload>(read_network(o.run.workload));
  std::vector<MemoryPlan> plans;
  for (size_t i = 0; i < configs.size(); ++i) {
    try {
      check_device_limits(*workload, configs[i].loom.limits);
      plans.push_back(plan_memory(configs[i], *workload, compile_workload(*workload, configs[i].compiler)));
    } catch (const UserError& e) {
      throw UserError("--point " + std::to_string(i), point_text(points[i]), e.what());
    }
  }
  read_tensors(*workload);
  const GoldenOutputs golden = golden_outputs(*workload);
  // Compiled and packed once per distinct layout (engine, compiler
  // options), shared by the children.
  std::vector<CompiledWorkload> compiled;
  std::vector<DramImage> images;
  std::vector<size_t> image_of(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    size_t same = 0;
    while (same < i && !same_layout(plans[same], plans[i])) ++same;
    if (same == i) {
      image_of[i] = images.size();
      compiled.push_back(compile_workload(*workload, configs[i].compiler));
      images.push_back(pack_tensors(*workload, compiled.back(), plans[i]));
    } else {
      image_of[i] = image_of[same];
    }
  }

  const unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  char line[512];
  std::snprintf(line, sizeof line, "%-6s %14s %12s %8s  %s\n", "point", "cycles", "sim_us", "result", "settings");
  out << "LoomVP sweep: workload " << workload->name << ", " << points.size() << " points\n" << line << std::flush;
  std::fflush(nullptr);

  // Children in order, at most `jobs` at a time; rows printed in point order.
  std::vector<pid_t> pids(points.size(), -1);
  int worst = 0;
  size_t next = 0;
  for (size_t done = 0; done < points.size(); ++done) {
    for (; next < points.size() && next < done + jobs; ++next) {
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) run_point(configs[next], workload, compiled[image_of[next]], plans[next], images[image_of[next]], golden,
                  o.stats_dir.empty() ? "sweep (temporary stats file)" : "--stats-dir", stats_path(next));
      pids[next] = pid;
    }
    int status = 0;
    waitpid(pids[done], &status, 0);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
    uint64_t cycles = 0;
    double sim_us = 0;
    std::ifstream in(stats_path(done));
    const nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
    if (!stats.is_discarded() && stats.contains("totals")) {
      cycles = stats["totals"].value("cycles", uint64_t{0});
      sim_us = stats["totals"].value("simulated_time_ns", 0.0) / 1000;
    }
    if (o.stats_dir.empty()) std::remove(stats_path(done).c_str());
    std::snprintf(line, sizeof line, "%-6zu %14llu %12.1f %8s  %s\n", done, (unsigned long long)cycles, sim_us,
                  code == 0 ? "pass" : code == 2 ? "ERROR" : "FAIL", point_text(points[done]).c_str());
    out << line << std::flush;
    worst = std::max(worst, code == 0 ? 0 : code == 2 ? 2 : 1);  // 2: a point file could not be written
  }
  return worst;
}

}  // namespace loomvp
