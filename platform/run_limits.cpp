#include "run_limits.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include <systemc>

namespace loomvp {
namespace {

// The only thread-safe way into the SystemC kernel: an asynchronous update
// request, served between delta cycles, that stops the simulation.
class AsyncStop : public sc_core::sc_prim_channel {
 public:
  AsyncStop() : sc_prim_channel(sc_core::sc_gen_unique_name("async_stop")) {}
  void request() { async_request_update(); }

 private:
  void update() override { sc_core::sc_stop(); }
};

// A kernel that never returns to its scheduler (a model stuck in host code)
// cannot be stopped politely: after this grace time the process exits.
constexpr std::chrono::seconds kStopGrace{10};

std::string ns_text(double ns) {
  std::ostringstream text;
  text << ns << " ns";
  return text.str();
}

}  // namespace

std::string simulate_with_limits(const RunLimits& limits, const std::function<std::string()>& what_was_running) {
  AsyncStop stopper;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::atomic<bool> fired{false};
  std::thread watchdog;
  if (limits.max_host_seconds > 0) {
    watchdog = std::thread([&] {
      std::unique_lock<std::mutex> lock(mutex);
      const auto limit = std::chrono::duration<double>(limits.max_host_seconds);
      if (finished.wait_for(lock, limit, [&] { return done; })) return;
      fired = true;
      stopper.request();
      if (finished.wait_for(lock, kStopGrace, [&] { return done; })) return;
      std::fprintf(stderr,
                   "loomvp: error: host watchdog: simulation.max_host_seconds = %g s exceeded and the simulation "
                   "did not stop within %lld s; exiting\n",
                   limits.max_host_seconds, static_cast<long long>(kStopGrace.count()));
      std::_Exit(1);
    });
  }
  sc_core::sc_start(limits.max_simulated, sc_core::SC_EXIT_ON_STARVATION);
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  finished.notify_all();
  if (watchdog.joinable()) watchdog.join();

  const double now_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  if (fired) {
    std::ostringstream why;
    why << "host watchdog: simulation.max_host_seconds = " << limits.max_host_seconds
        << " s of wall-clock time exceeded at simulated time " << ns_text(now_ns) << "; " << what_was_running();
    return why.str();
  }
  // Starved, the kernel returns before the limit; events still pending mean
  // the limit cut the run short.
  if (sc_core::sc_get_status() != sc_core::SC_STOPPED && sc_core::sc_pending_activity())
    return "simulated-time limit simulation.max_simulated_ns = " +
           ns_text(limits.max_simulated.to_seconds() * 1e9) + " reached; " + what_was_running();
  return "";
}

}  // namespace loomvp
