// `loomvp sweep`: one workload on many platform configurations (points),
// loading it and computing its golden outputs once. After loading, the
// process forks one child per point (SystemC elaborates once per process);
// each child simulates exactly as `loomvp run` would and writes the same
// stats JSON, so a point's results equal a separate run's.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/runner.h"

namespace loomvp {

struct SweepOptions {
  RunOptions run;                   // workload, profile, engine, platform, common --set
  std::vector<std::string> points;  // each: whitespace-separated key=value settings
  std::string points_file;          // one point per line; '#' starts a comment
  std::string stats_dir;            // point-N.json per point, if given
  unsigned jobs = 0;                // children at a time; 0: one per host CPU
};

// Exit code: 2 for bad input (before anything is simulated) or a point file
// that could not be written, else 1 when any point failed its checks, else 0.
// Prints one table row per point.
int run_sweep(const SweepOptions& options, std::ostream& out);

// One workload loaded once for many points (the sweep's fork-after-load
// machinery, also used by `loomvp budget`): points are checked as they are
// added, tensors and golden outputs are computed on the first run, and each
// point is simulated in a forked child.
class SweepSession {
 public:
  explicit SweepSession(const RunOptions& run);  // reads network.json (resolving the profile)
  ~SweepSession();
  SweepSession(const SweepSession&) = delete;
  SweepSession& operator=(const SweepSession&) = delete;

  // Checks one point's platform, device limits and memory plan (UserError
  // for bad input); returns its index. Nothing is simulated.
  size_t add_point(const std::vector<std::string>& settings);

  struct PointResult {
    int exit_code = 3;     // as `loomvp run`: 0 pass, 1 failure, 2 stats not written, 3 the child died
    nlohmann::json stats;  // the stats JSON, null when the child wrote none
  };
  // Simulates the given points, at most `jobs` children at a time, and calls
  // `done` in the order given. `stats_path(i)` is where point i's stats go
  // ("": a temporary file, removed after reading).
  void run(const std::vector<size_t>& points, unsigned jobs, const std::function<std::string(size_t)>& stats_path,
           const std::function<void(size_t, const PointResult&)>& done);

  const Workload& workload() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace loomvp
