#include "batch.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iomanip>

#include "platform/networks.h"
#include "platform/user_error.h"
#include "platform/workload.h"

namespace loomvp {
namespace {

// What a child process reports about its image (fits one atomic pipe write).
struct ImageRecord {
  int32_t status = 0;  // 0 ran, 2 bad input, 3 internal error
  int32_t device_class = -1, reference_class = -1;
  uint32_t passed = 0, device_equals_reference = 0;
  uint64_t cycles = 0, dram_bytes = 0;
  char message[512] = {};
};

// The class with the highest output; the lowest index wins a tie.
int32_t top1(const std::vector<int32_t>& scores) {
  if (scores.empty()) return -1;
  return static_cast<int32_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

ImageRecord simulate_image(RunOptions options, const std::vector<int32_t>& image) {
  ImageRecord rec;
  try {
    options.input = &image;
    const RunResult r = run_workload(options);
    rec.passed = r.passed();
    rec.device_class = top1(r.final_output);
    rec.reference_class = top1(r.final_reference);
    rec.device_equals_reference = r.final_output == r.final_reference;
    for (const LayerResult& l : r.layers) {
      rec.cycles += l.record.cycles;
      rec.dram_bytes += l.record.dram_bytes_read + l.record.dram_bytes_written;
    }
  } catch (const UserError& e) {
    rec.status = 2;
    std::snprintf(rec.message, sizeof rec.message, "%s", e.what());
  } catch (const std::exception& e) {
    rec.status = 3;
    std::snprintf(rec.message, sizeof rec.message, "%s", e.what());
  }
  return rec;
}

// One image in a child process: SystemC elaborates once per process, so every image
// gets a fresh platform, exactly like a single run.
struct Child {
  pid_t pid;
  int fd;
};

Child start_child(const RunOptions& options, const std::vector<int32_t>& image) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("batch: pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("batch: fork failed");
  if (pid == 0) {
    close(fds[0]);
    const ImageRecord rec = simulate_image(options, image);
    const ssize_t written = write(fds[1], &rec, sizeof rec);
    _exit(written == static_cast<ssize_t>(sizeof rec) ? 0 : 3);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

ImageRecord finish_child(const Child& child) {
  ImageRecord rec;
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&rec);
  while (got < sizeof rec) {
    const ssize_t n = read(child.fd, bytes + got, sizeof rec - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(child.fd);
  int status = 0;
  waitpid(child.pid, &status, 0);
  if (got != sizeof rec) {
    rec = ImageRecord{};
    rec.status = 3;
    std::snprintf(rec.message, sizeof rec.message, "image process ended without a result (status %d)", status);
  }
  return rec;
}

}  // namespace

BatchResult run_batch(const RunOptions& options, uint32_t images, uint32_t jobs, std::ostream& progress) {
  const auto start = std::chrono::steady_clock::now();
  RunOptions opts = options;
  opts.workload = resolve_workload(options.workload, options.profile, progress);
  opts.profile.clear();
  const Workload w = load_workload(opts.workload);
  const InputSet& set = w.input_set;
  if (set.count == 0)
    throw UserError("--batch", std::to_string(images), "workload '" + w.name + "' has no input set (bundle format 2, input_set)");
  if (images < 1 || images > set.count)
    throw UserError("--batch", std::to_string(images), "allowed 1.." + std::to_string(set.count) +
                                                           " (the images in the input set of " + w.name + ")");
  if (jobs < 1 || jobs > 64) throw UserError("--jobs", std::to_string(jobs), "allowed 1..64");

  BatchResult result;
  result.workload = w.name;
  result.profile = w.profile;
  result.engine = options.engine.empty() ? "(platform default)" : options.engine;
  result.images = images;
  result.has_float = !set.float_predictions.empty();
  const uint64_t image_size = w.input.size();
  std::vector<std::vector<int32_t>> inputs(jobs);
  std::deque<std::pair<uint32_t, Child>> running;
  const bool tty = isatty(STDERR_FILENO);
  auto last_report = start;
  uint32_t next = 0, done = 0;
  while (done < images) {
    while (next < images && running.size() < jobs) {
      std::vector<int32_t>& image = inputs[next % jobs];
      image.assign(set.images.begin() + next * image_size, set.images.begin() + (next + 1) * image_size);
      running.emplace_back(next, start_child(opts, image));
      ++next;
    }
    const auto [index, child] = running.front();
    running.pop_front();
    const ImageRecord rec = finish_child(child);
    if (rec.status != 0) {
      for (const auto& other : running) finish_child(other.second);
      if (rec.status == 2) throw UserError("--batch", "image " + std::to_string(index), rec.message);
      throw std::runtime_error("image " + std::to_string(index) + ": " + rec.message);
    }
    const int32_t label = set.labels[index];
    result.device_correct += rec.device_class == label;
    result.reference_correct += rec.reference_class == label;
    if (result.has_float) result.float_correct += set.float_predictions[index] == label;
    result.device_reference_differences += !rec.device_equals_reference;
    result.failed_runs += !rec.passed;
    result.cycles += rec.cycles;
    result.dram_bytes += rec.dram_bytes;
    ++done;

    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - start).count();
    if (done == images || (tty && now - last_report > std::chrono::milliseconds(500)) ||
        (!tty && done % std::max<uint32_t>(1, images / 10) == 0)) {
      last_report = now;
      progress << (tty ? "\r" : "") << "batch: " << done << "/" << images << " images, " << std::fixed
               << std::setprecision(1) << done / std::max(seconds, 1e-9) << " images/s, device top-1 "
               << std::setprecision(2) << 100.0 * result.device_correct / done << "%" << (tty ? "" : "\n")
               << std::flush;
    }
  }
  if (tty) progress << "\n";
  result.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void print_batch(std::ostream& out, const BatchResult& r) {
  const auto pct = [&](uint32_t n) { return 100.0 * n / r.images; };
  char line[256];
  out << "LoomVP batch  workload " << r.workload << " (profile " << r.profile << ")  engine " << r.engine << "  "
      << r.images << " images\n";
  std::snprintf(line, sizeof line, "top-1 accuracy: device %.2f%%, host integer reference %.2f%%", pct(r.device_correct),
                pct(r.reference_correct));
  out << line;
  if (r.has_float) {
    std::snprintf(line, sizeof line, ", float model %.2f%%", pct(r.float_correct));
    out << line;
  }
  // Exact counts too: a percentage rounds.
  std::snprintf(line, sizeof line, "\ncorrect images: device %u, reference %u", r.device_correct, r.reference_correct);
  out << line;
  if (r.has_float) out << ", float " << r.float_correct;
  out << " of " << r.images;
  std::snprintf(line, sizeof line, "\nper image: %.0f cycles, %.0f DRAM bytes; host %.1f s\n",
                static_cast<double>(r.cycles) / r.images, static_cast<double>(r.dram_bytes) / r.images, r.host_seconds);
  out << line;
  if (r.passed())
    out << "PASS: every image's output matches the golden reference bit for bit\n";
  else
    out << "FAIL: " << r.device_reference_differences << " images differ from the golden reference, " << r.failed_runs
        << " runs failed\n";
}

}  // namespace loomvp
