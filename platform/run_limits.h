// Runs the simulation under the platform's limits: a simulated-time limit
// (simulation.max_simulated_ns) and a host wall-clock watchdog
// (simulation.max_host_seconds), so a stuck run ends with a message naming
// what was running instead of hanging a CI job.
#pragma once

#include <functional>
#include <string>

#include "platform/config.h"

namespace loomvp {

// Calls sc_start until the simulation ends by itself or a limit stops it.
// Returns "" when it ended by itself, else why it was stopped, ending with
// `what_was_running()` (called after the simulation has stopped).
// Must be called during elaboration (it creates a primitive channel).
std::string simulate_with_limits(const RunLimits& limits, const std::function<std::string()>& what_was_running);

}  // namespace loomvp
