// `loomvp budget`: the least DRAM bandwidth that meets a frame-time target,
// and the knee beyond which more bandwidth stops helping, per engine and
// profile, by bisection over real simulations (docs/user-guide.md, budget).
// Points run through the sweep's fork-after-load session, so a bisection
// loads the workload and computes its golden outputs once.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "platform/runner.h"

namespace loomvp {

struct BudgetOptions {
  RunOptions run;                     // workload, platform, common --set; engine and profile come from the lists
  std::vector<std::string> engines;   // empty: every engine
  std::vector<std::string> profiles;  // empty: the network's default profile
  double target_ns = 0;               // simulated time per frame (totals.simulated_time_ns) to meet
  std::string json_path;              // write the results as JSON, if given
  unsigned jobs = 0;                  // simulations at a time; 0: one per host CPU
  double min_gb_per_s = 0.1, max_gb_per_s = 1000;  // the searched range
  double tolerance = 0.01;   // stop when the bracket's upper/lower bandwidth <= 1 + tolerance
  double knee_slack = 0.01;  // knee: totals.cycles within this fraction of the cycles at max_gb_per_s
};

// Exit code 0 when every search finished (met or unreachable), 1 when a
// simulation failed; bad input throws UserError.
int run_budget(const BudgetOptions& options, std::ostream& out);

}  // namespace loomvp
