// What a run tells its users: the terminal summary table, the stats JSON
// (docs/stats-format.md) and a CSV with one row per layer.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/runner.h"

namespace loomvp {

void print_summary(std::ostream& out, const RunResult& result);
// The one-line verdict ("PASS: ..." or "FAIL: why"), the last line of the summary.
std::string verdict(const RunResult& result);
nlohmann::json stats_json(const RunResult& result);
void write_csv(std::ostream& out, const RunResult& result);

}  // namespace loomvp
