#include "sweep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "platform/golden_reference.h"
#include "platform/output_files.h"
#include "platform/networks.h"
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
                            const GoldenOutputs& golden, const std::string& stats_path, size_t point) {
  int code = 1;
  try {
    const RunResult result =
        simulate(cfg, workload, compiled, plan, [&golden]() -> const GoldenOutputs& { return golden; }, &image);
    // Temporary file and rename, close checked: a point file is whole or absent.
    write_outputs({{"sweep point " + std::to_string(point), stats_path, stats_json(result).dump(2) + "\n"}});
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

struct SweepSession::State {
  RunOptions run;
  std::shared_ptr<Workload> workload;
  std::vector<PlatformConfig> configs;
  std::vector<MemoryPlan> plans;
  bool loaded = false;  // tensors read and golden outputs computed
  GoldenOutputs golden;
  // Compiled and packed once per distinct layout (engine, compiler options).
  std::vector<CompiledWorkload> compiled;
  std::vector<DramImage> images;
  std::vector<size_t> image_of;  // per point, once packed
};

SweepSession::SweepSession(const RunOptions& run) : state_(std::make_unique<State>()) {
  state_->run = run;
  state_->workload = std::make_shared<Workload>(read_network(resolve_workload(run.workload, run.profile, std::cerr)));
}

SweepSession::~SweepSession() = default;

const Workload& SweepSession::workload() const { return *state_->workload; }

size_t SweepSession::add_point(const std::vector<std::string>& settings) {
  State& s = *state_;
  std::vector<std::string> overrides = s.run.overrides;
  overrides.insert(overrides.end(), settings.begin(), settings.end());
  PlatformConfig cfg = load_platform(s.run.platform, s.run.engine, overrides);
  check_cpu_firmware(cfg);
  check_device_limits(*s.workload, cfg.loom.limits);
  MemoryPlan plan = plan_memory(cfg, *s.workload, compile_workload(*s.workload, cfg.compiler));
  s.configs.push_back(std::move(cfg));
  s.plans.push_back(std::move(plan));
  s.image_of.push_back(SIZE_MAX);
  return s.configs.size() - 1;
}

void SweepSession::run(const std::vector<size_t>& points, unsigned jobs,
                       const std::function<std::string(size_t)>& stats_path,
                       const std::function<void(size_t, const PointResult&)>& done) {
  State& s = *state_;
  if (!s.loaded) {
    read_tensors(*s.workload);
    s.golden = golden_outputs(*s.workload);
    s.loaded = true;
  }
  // Compiled and packed on first use, just before the first child that
  // needs it, so packing the next layout overlaps the running children.
  const auto image_for = [&s](size_t i) {
    if (s.image_of[i] != SIZE_MAX) return s.image_of[i];
    size_t same = 0;
    while (same < s.plans.size() && !(s.image_of[same] != SIZE_MAX && same_layout(s.plans[same], s.plans[i]))) ++same;
    if (same < s.plans.size()) return s.image_of[i] = s.image_of[same];
    s.compiled.push_back(compile_workload(*s.workload, s.configs[i].compiler));
    s.images.push_back(pack_tensors(*s.workload, s.compiled.back(), s.plans[i]));
    return s.image_of[i] = s.images.size() - 1;
  };

  static std::atomic<unsigned> temp_serial{0};
  const std::string tmp_prefix = "/tmp/loomvp-sweep-" + std::to_string(getpid()) + "-";
  std::vector<std::string> paths(points.size());
  for (size_t k = 0; k < points.size(); ++k) {
    paths[k] = stats_path(points[k]);
    if (paths[k].empty()) paths[k] = tmp_prefix + std::to_string(temp_serial++) + ".json";
  }
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  std::fflush(nullptr);
  std::cout.flush();

  // Children started in order, at most `jobs` at a time, a new one as soon
  // as any finishes (a slow point does not hold up the others); results are
  // reported in order.
  std::vector<int> exit_codes(points.size(), -1);
  std::map<pid_t, size_t> running;
  size_t next = 0, reported = 0;
  while (reported < points.size()) {
    for (; next < points.size() && running.size() < jobs; ++next) {
      const size_t i = points[next];
      const size_t image = image_for(i);
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0)
        run_point(s.configs[i], s.workload, s.compiled[image], s.plans[i], s.images[image], s.golden, paths[next], i);
      running[pid] = next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw std::runtime_error("waitpid failed");
    const auto child = running.find(pid);
    if (child == running.end()) continue;  // not one of this session's children
    exit_codes[child->second] = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
    running.erase(child);
    for (; reported < points.size() && exit_codes[reported] >= 0; ++reported) {
      PointResult result;
      result.exit_code = exit_codes[reported];
      std::ifstream in(paths[reported]);
      result.stats = nlohmann::json::parse(in, nullptr, false);
      if (result.stats.is_discarded()) result.stats = nullptr;
      if (stats_path(points[reported]).empty()) std::remove(paths[reported].c_str());
      done(points[reported], result);
    }
  }
}

int run_sweep(const SweepOptions& o, std::ostream& out) {
  if (o.jobs > kMaxJobs)
    throw UserError("--jobs", std::to_string(o.jobs), "allowed 0.." + std::to_string(kMaxJobs) + " (0: one per host CPU)");
  const auto points = read_points(o);
  if (!o.stats_dir.empty() && !std::filesystem::is_directory(o.stats_dir))
    throw UserError("--stats-dir", o.stats_dir, "not a directory");
  const auto stats_path = [&](size_t i) {
    return o.stats_dir.empty() ? std::string()
                               : (std::filesystem::path(o.stats_dir) / ("point-" + std::to_string(i) + ".json")).string();
  };
  // Every point file is checked before anything is loaded or simulated.
  if (!o.stats_dir.empty())
    for (size_t i = 0; i < points.size(); ++i) check_writable("--stats-dir", stats_path(i));

  // Every point's platform, limits and memory plan before any tensor is
  // generated, so bad input in any point is exit 2 at once.
  SweepSession session(o.run);
  std::vector<size_t> indices;
  for (size_t i = 0; i < points.size(); ++i) {
    try {
      indices.push_back(session.add_point(points[i]));
    } catch (const UserError& e) {
      throw UserError("--point " + std::to_string(i), point_text(points[i]), e.what());
    }
  }

  char line[512];
  std::snprintf(line, sizeof line, "%-6s %14s %12s %8s  %s\n", "point", "cycles", "sim_us", "result", "settings");
  out << "LoomVP sweep: workload " << session.workload().name << ", " << points.size() << " points\n"
      << line << std::flush;
  int worst = 0;
  session.run(indices, o.jobs, stats_path, [&](size_t i, const SweepSession::PointResult& r) {
    uint64_t cycles = 0;
    double sim_us = 0;
    if (r.stats.is_object() && r.stats.contains("totals")) {
      cycles = r.stats["totals"].value("cycles", uint64_t{0});
      sim_us = r.stats["totals"].value("simulated_time_ns", 0.0) / 1000;
    }
    std::snprintf(line, sizeof line, "%-6zu %14llu %12.1f %8s  %s\n", i, (unsigned long long)cycles, sim_us,
                  r.exit_code == 0 ? "pass" : r.exit_code == 2 ? "ERROR" : "FAIL", point_text(points[i]).c_str());
    out << line << std::flush;
    worst = std::max(worst, r.exit_code == 0 ? 0 : r.exit_code == 2 ? 2 : 1);  // 2: its point file could not be written
  });
  return worst;
}

}  // namespace loomvp
