#include "budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "models/loom/timing.h"
#include "platform/output_files.h"
#include "platform/sweep.h"
#include "platform/user_error.h"

namespace loomvp {
namespace {

using nlohmann::json;

// Every engine, in the order `engine_names()` lists them.
std::vector<std::string> all_engines() {
  std::vector<std::string> names;
  std::string list = engine_names();
  for (size_t start = 0; start < list.size();) {
    const size_t comma = std::min(list.find(", ", start), list.size());
    names.push_back(list.substr(start, comma - start));
    start = comma + 2;
  }
  return names;
}

// Probe bandwidths are rounded to 4 significant digits, so they print
// exactly and a separate `loomvp run --set` reproduces them.
double round_significant(double value) {
  const double scale = std::pow(10.0, 3 - std::floor(std::log10(value)));
  return std::round(value * scale) / scale;
}

std::string number_text(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

struct Evaluation {
  int exit_code = 3;
  double time_ns = 0;  // totals.simulated_time_ns
  uint64_t cycles = 0;  // totals.cycles
};

// Bisection state: `lo` misses the predicate, `hi` meets it.
struct Search {
  bool active = false;
  double lo = 0, hi = 0;
  double answer = 0;  // hi once finished
  std::string status;  // "found", "at-minimum" (met at the lowest bandwidth searched), "unreachable"
};

struct EngineBudget {
  std::string engine;
  Search target, knee;
  uint64_t cycles_at_max = 0;
  double time_ns_at_max = 0;
  std::string error;  // a simulation that failed
};

class Evaluator {
 public:
  Evaluator(SweepSession& session, unsigned jobs) : session_(session), jobs_(jobs) {}
  // Simulates every (engine, bandwidth) not yet simulated, in parallel.
  void evaluate(const std::vector<std::pair<std::string, double>>& probes) {
    std::vector<size_t> points;
    std::vector<std::pair<std::string, double>> keys;
    for (const auto& probe : probes) {
      if (results_.count(probe) || std::find(keys.begin(), keys.end(), probe) != keys.end()) continue;
      points.push_back(session_.add_point({"loom.engine=" + probe.first,
                                           "dram.bandwidth_gb_per_s=" + number_text(probe.second)}));
      keys.push_back(probe);
    }
    size_t k = 0;
    session_.run(points, jobs_, [](size_t) { return std::string(); },
                 [&](size_t, const SweepSession::PointResult& r) {
                   Evaluation e;
                   e.exit_code = r.exit_code;
                   if (r.stats.is_object() && r.stats.contains("totals")) {
                     e.time_ns = r.stats["totals"].value("simulated_time_ns", 0.0);
                     e.cycles = r.stats["totals"].value("cycles", uint64_t{0});
                   }
                   results_[keys[k++]] = e;
                 });
  }
  const Evaluation& at(const std::string& engine, double bw) const { return results_.at({engine, bw}); }
  size_t runs() const { return results_.size(); }
  json log(const std::string& engine) const {
    json rows = json::array();
    for (const auto& [key, e] : results_)
      if (key.first == engine)
        rows.push_back({{"bandwidth_gb_per_s", key.second}, {"simulated_time_ns", e.time_ns}, {"cycles", e.cycles},
                        {"exit_code", e.exit_code}});
    return rows;
  }

 private:
  SweepSession& session_;
  unsigned jobs_;
  std::map<std::pair<std::string, double>, Evaluation> results_;
};

// Starts a search from the two ends of the range.
void start_search(Search& s, bool meets_at_min, bool meets_at_max, double min_bw, double max_bw) {
  s.active = false;
  if (!meets_at_max) {
    s.status = "unreachable";
  } else if (meets_at_min) {
    s.status = "at-minimum";
    s.answer = min_bw;
  } else {
    s.active = true;
    s.lo = min_bw;
    s.hi = s.answer = max_bw;
  }
}

double midpoint(const Search& s) { return round_significant(std::sqrt(s.lo * s.hi)); }

void finish_if_narrow(Search& s, double tolerance) {
  if (!s.active) return;
  const double mid = midpoint(s);
  if (s.hi <= s.lo * (1 + tolerance) || mid <= s.lo || mid >= s.hi) {
    s.active = false;
    s.status = "found";
    s.answer = s.hi;
  }
}

std::vector<EngineBudget> solve_profile(const BudgetOptions& o, Evaluator& eval) {
  const std::vector<std::string> engines = o.engines.empty() ? all_engines() : o.engines;
  std::vector<EngineBudget> budgets;
  std::vector<std::pair<std::string, double>> probes;
  for (const std::string& engine : engines) {
    budgets.push_back({engine, {}, {}, 0, 0, ""});
    probes.push_back({engine, o.min_gb_per_s});
    probes.push_back({engine, o.max_gb_per_s});
  }
  eval.evaluate(probes);
  const auto meets_target = [&](const Evaluation& e) { return e.time_ns <= o.target_ns; };
  const auto at_knee = [&](const EngineBudget& b, const Evaluation& e) {
    return static_cast<double>(e.cycles) <= static_cast<double>(b.cycles_at_max) * (1 + o.knee_slack);
  };
  for (EngineBudget& b : budgets) {
    const Evaluation &lo = eval.at(b.engine, o.min_gb_per_s), &hi = eval.at(b.engine, o.max_gb_per_s);
    if (lo.exit_code != 0 || hi.exit_code != 0) {
      b.error = "simulation failed (exit " + std::to_string(lo.exit_code != 0 ? lo.exit_code : hi.exit_code) + ")";
      continue;
    }
    b.cycles_at_max = hi.cycles;
    b.time_ns_at_max = hi.time_ns;
    start_search(b.target, meets_target(lo), meets_target(hi), o.min_gb_per_s, o.max_gb_per_s);
    start_search(b.knee, at_knee(b, lo), true, o.min_gb_per_s, o.max_gb_per_s);
    finish_if_narrow(b.target, o.tolerance);
    finish_if_narrow(b.knee, o.tolerance);
  }
  // Rounds: every unfinished search's midpoint at once.
  for (int round = 0;;) {
    probes.clear();
    for (const EngineBudget& b : budgets)
      for (const Search* s : {&b.target, &b.knee})
        if (b.error.empty() && s->active) probes.push_back({b.engine, midpoint(*s)});
    if (probes.empty()) break;
    std::cerr << "budget: round " << ++round << ", " << probes.size() << " simulations (" << eval.runs()
              << " so far)" << std::endl;
    eval.evaluate(probes);
    for (EngineBudget& b : budgets) {
      for (Search* s : {&b.target, &b.knee}) {
        if (!b.error.empty() || !s->active) continue;
        const double mid = midpoint(*s);
        const Evaluation& e = eval.at(b.engine, mid);
        if (e.exit_code != 0) {
          b.error = "simulation failed at " + number_text(mid) + " GB/s (exit " + std::to_string(e.exit_code) + ")";
          break;
        }
        const bool meets = s == &b.target ? meets_target(e) : at_knee(b, e);
        (meets ? s->hi : s->lo) = mid;
        finish_if_narrow(*s, o.tolerance);
      }
    }
  }
  return budgets;
}

json search_json(const Search& s) {
  json j{{"status", s.status}};
  j["bandwidth_gb_per_s"] = s.status == "unreachable" ? json(nullptr) : json(s.answer);
  // The bracket: `hi` meets the condition and `lo` (a simulated point) does not.
  j["misses_at_gb_per_s"] = s.status == "found" ? json(s.lo) : json(nullptr);
  return j;
}

}  // namespace

int run_budget(const BudgetOptions& o, std::ostream& out) {
  if (!(o.target_ns > 0) || !std::isfinite(o.target_ns))
    throw UserError("--target-fps/--target-ms", "", "give exactly one, a positive number");
  for (const std::string& engine : o.engines)
    if (!parse_engine(engine))
      throw UserError("--engine", engine, std::string("unknown engine; allowed: ") + engine_names());
  if (!o.json_path.empty()) check_writable("--json", o.json_path);

  json doc{{"schema", "loomvp-budget"},
           {"version", 1},
           {"workload", o.run.workload},
           {"target_ns_per_frame", o.target_ns},
           {"frame_time", "totals.simulated_time_ns"},
           {"knee", "least bandwidth whose totals.cycles <= (1 + knee_slack) * totals.cycles at max_gb_per_s"},
           {"knee_slack", o.knee_slack},
           {"tolerance", o.tolerance},
           {"min_gb_per_s", o.min_gb_per_s},
           {"max_gb_per_s", o.max_gb_per_s},
           {"results", json::array()}};
  char line[512];
  std::snprintf(line, sizeof line, "%-8s %-14s %12s %12s %12s %12s %14s %6s\n", "engine", "profile", "least_GB/s",
                "ms_at_least", "misses_GB/s", "knee_GB/s", "cycles_at_max", "runs");
  out << "LoomVP budget: workload " << o.run.workload << ", target " << number_text(o.target_ns / 1e6)
      << " ms per frame (totals.simulated_time_ns), bandwidth " << number_text(o.min_gb_per_s) << ".."
      << number_text(o.max_gb_per_s) << " GB/s, tolerance " << number_text(o.tolerance * 100)
      << "%, knee: cycles within " << number_text(o.knee_slack * 100) << "% of those at the maximum\n"
      << line << std::flush;
  int code = 0;
  const std::vector<std::string> profiles = o.profiles.empty() ? std::vector<std::string>{""} : o.profiles;
  for (const std::string& profile : profiles) {
    RunOptions run = o.run;
    run.profile = profile;
    SweepSession session(run);
    const std::string profile_name = session.workload().profile;
    Evaluator eval(session, o.jobs);
    for (const EngineBudget& b : solve_profile(o, eval)) {
      json row{{"engine", b.engine}, {"profile", profile_name}, {"error", b.error.empty() ? json(nullptr) : json(b.error)}};
      std::string least = "ERROR", ms_at_least, misses, knee;
      if (b.error.empty()) {
        row["target"] = search_json(b.target);
        row["knee"] = search_json(b.knee);
        row["cycles_at_max_bandwidth"] = b.cycles_at_max;
        row["simulated_time_ns_at_max_bandwidth"] = b.time_ns_at_max;
        const auto text = [](const Search& s) {
          return s.status == "unreachable" ? std::string("unreachable")
                 : s.status == "at-minimum" ? "<=" + number_text(s.answer)
                                            : number_text(s.answer);
        };
        least = text(b.target);
        knee = text(b.knee);
        if (b.target.status != "unreachable") {
          const double ns = eval.at(b.engine, b.target.answer).time_ns;
          row["target"]["simulated_time_ns"] = ns;
          ms_at_least = number_text(ns / 1e6);
        }
        if (b.target.status == "found") misses = number_text(b.target.lo);
      } else {
        code = 1;
      }
      row["simulations"] = eval.log(b.engine);
      std::snprintf(line, sizeof line, "%-8s %-14s %12s %12s %12s %12s %14llu %6zu\n", b.engine.c_str(),
                    profile_name.empty() ? "-" : profile_name.c_str(), least.c_str(), ms_at_least.c_str(),
                    misses.c_str(), knee.c_str(), (unsigned long long)b.cycles_at_max, row["simulations"].size());
      out << line << std::flush;
      if (!b.error.empty()) out << "  " << b.engine << ": " << b.error << "\n";
      doc["results"].push_back(row);
    }
  }
  if (!o.json_path.empty()) write_outputs({{"--json", o.json_path, doc.dump(2) + "\n"}});
  return code;
}

}  // namespace loomvp
