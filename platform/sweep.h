// `loomvp sweep`: one workload on many platform configurations (points),
// loading it and computing its golden outputs once. After loading, the
// process forks one child per point (SystemC elaborates once per process);
// each child simulates exactly as `loomvp run` would and writes the same
// stats JSON, so a point's results equal a separate run's.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "platform/runner.h"

namespace loomvp {

struct SweepOptions {
  RunOptions run;                   // workload, engine, platform, common --set
  std::vector<std::string> points;  // each: whitespace-separated key=value settings
  std::string points_file;          // one point per line; '#' starts a comment
  std::string stats_dir;            // point-N.json per point, if given
  unsigned jobs = 0;                // children at a time; 0: one per host CPU
};

// Exit code: 2 for bad input (before anything is simulated) or a point file
// that could not be written, else 1 when any point failed its checks, else 0.
// Prints one table row per point.
int run_sweep(const SweepOptions& options, std::ostream& out);

}  // namespace loomvp
