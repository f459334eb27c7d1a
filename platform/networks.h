// Networks by name (workloads/networks.json, written by tools/networks.py --index) and
// the cache of their generated bundles. A network with a precision profile is one
// bundle; bundles too big to commit are generated on first use by
// tools/import_model.py into the cache directory (docs/user-guide.md, "Networks").
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace loomvp {

struct NetworkEntry {
  std::string name, description;
  std::vector<std::string> profiles;  // the first is the default
};

// Throws UserError naming networks.json if it is malformed.
std::vector<NetworkEntry> network_index();

// $LOOMVP_CACHE_DIR, else $XDG_CACHE_HOME/loomvp, else $HOME/.cache/loomvp.
std::string network_cache_dir();

// The command that generates network `name` under `profile` into `dir`.
std::vector<std::string> generator_command(const std::string& name, const std::string& profile,
                                           const std::string& dir);

// --workload and --profile -> a bundle path. A committed bundle (workloads/NAME) serves
// its own profile; any other profile of an indexed network comes from the cache, and is
// generated there first (progress on `progress`). Throws UserError (exit 2) otherwise.
std::string resolve_workload(const std::string& workload, const std::string& profile, std::ostream& progress);

}  // namespace loomvp
