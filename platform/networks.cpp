#include "networks.h"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "platform/paths.h"
#include "platform/user_error.h"
#include "platform/workload.h"

extern char** environ;

namespace loomvp {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string index_path() { return project_path("workloads/networks.json"); }

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// The profile a committed bundle declares ("" when none or unreadable: the loader reports it).
std::string declared_profile(const fs::path& network_json) {
  std::ifstream in(network_json);
  const json doc = json::parse(in, nullptr, false);
  return doc.is_object() && doc.contains("profile") && doc["profile"].is_string() ? doc["profile"].get<std::string>()
                                                                                    : "";
}

// Runs argv without a shell; returns the exit status (or -1 if it could not start).
int run_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
  return text;
}

}  // namespace

std::vector<NetworkEntry> network_index() {
  const std::string path = index_path();
  std::ifstream in(path);
  if (!in) return {};
  const json doc = json::parse(in, nullptr, false);
  if (!doc.is_object() || doc.value("format", json()) != "loomvp-networks" || !doc.contains("networks") ||
      !doc["networks"].is_object())
    throw UserError(path, "", "not a loomvp-networks index; regenerate with: python3 tools/networks.py --index");
  std::vector<NetworkEntry> entries;
  for (const auto& item : doc["networks"].items()) {
    const json& v = item.value();
    NetworkEntry e{item.key(), "", {}};
    if (!v.is_object() || !v.contains("profiles") || !v["profiles"].is_array() || v["profiles"].empty())
      throw UserError(path, "networks." + item.key() + ".profiles", "must be a non-empty list of names");
    for (const json& p : v["profiles"]) {
      if (!p.is_string()) throw UserError(path, "networks." + item.key() + ".profiles", "must be strings");
      e.profiles.push_back(p.get<std::string>());
    }
    if (v.contains("description") && v["description"].is_string()) e.description = v["description"].get<std::string>();
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string network_cache_dir() {
  if (const char* dir = std::getenv("LOOMVP_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/loomvp";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/loomvp";
  return "/tmp/loomvp-cache";
}

std::vector<std::string> generator_command(const std::string& name, const std::string& profile,
                                           const std::string& dir) {
  const char* python = std::getenv("LOOMVP_PYTHON");
  return {python && *python ? python : "/usr/bin/python3", project_path("tools/import_model.py"), "--network", name,
          "--profile", profile, "--out", dir};
}

std::string resolve_workload(const std::string& workload, const std::string& profile, std::ostream& progress) {
  const bool plain_name = workload.find('/') == std::string::npos;
  const bool is_path = fs::exists(workload) && !(plain_name && fs::exists(fs::path(workloads_dir()) / workload));
  if (is_path) {
    if (!profile.empty())
      throw UserError("--profile", profile, "only with a network name; bundle '" + workload + "' carries its own precisions");
    return workload;
  }
  const std::vector<NetworkEntry> index = network_index();
  const auto entry = std::find_if(index.begin(), index.end(), [&](const NetworkEntry& e) { return e.name == workload; });
  const fs::path committed = fs::path(workloads_dir()) / workload / "network.json";
  if (entry == index.end()) {
    if (!profile.empty() && fs::exists(committed) && declared_profile(committed) != profile)
      throw UserError("--profile", profile, "workload '" + workload + "' has only its own profile '" +
                                                declared_profile(committed) + "'");
    return workload;  // a committed bundle, or the loader's "no such workload" message
  }
  const std::string chosen = profile.empty() ? entry->profiles.front() : profile;
  if (std::find(entry->profiles.begin(), entry->profiles.end(), chosen) == entry->profiles.end())
    throw UserError("--profile", chosen, "network '" + workload + "' has profiles " + joined(entry->profiles));
  if (fs::exists(committed) && declared_profile(committed) == chosen) return committed.parent_path().string();

  // Generated bundles live under the format version they were written for.
  const fs::path dir = fs::path(network_cache_dir()) / "v2" / workload / chosen;
  if (fs::exists(dir / "network.json")) return dir.string();
  const fs::path partial = dir.string() + ".partial";
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  const std::vector<std::string> command = generator_command(workload, chosen, partial.string());
  if (ec) throw UserError("cache", dir.parent_path().string(), "cannot create directory (" + ec.message() + "); set LOOMVP_CACHE_DIR");
  progress << "loomvp: generating " << workload << " (profile " << chosen << ") into " << dir.string()
           << "; first use only, this can take minutes:\n  " << command_text(command) << std::endl;
  const int status = run_command(command);
  if (status != 0)
    throw UserError("--workload", workload, "generating the bundle failed (exit " + std::to_string(status) +
                                                "); run it by hand to see why: " + command_text(command));
  fs::rename(partial, dir, ec);
  if (ec) throw UserError("cache", dir.string(), "cannot move the generated bundle in place (" + ec.message() + ")");
  progress << "loomvp: cached " << dir.string() << std::endl;
  return dir.string();
}

}  // namespace loomvp
