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
  uint64_t cycles = 0, dram_bytes = 0, output_fnv1a64 = 0;
  char message[512] = {};
};

// The class with the highest output; the lowest index wins a tie.
int32_t top1(const std::vector<int32_t>& scores) {
  if (scores.empty()) return -1;
  return static_cast<int32_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

// Image i of the batch: from the input set, or generated with seed + i.
std::vector<int32_t> image_values(const Workload& w, uint32_t i) {
  const uint64_t size = w.input.size();
  if (w.input_set.count) return {w.input_set.images.begin() + i * size, w.input_set.images.begin() + (i + 1) * size};
  const UniformInit& u = *w.input_uniform;
  const std::vector<int64_t> values = uniform_values(size, u.seed + i, u.low, u.high);
  return {values.begin(), values.end()};
}

// In the child: the loaded run is the child's own copy, so the image
// replaces the input in place (only those pages are copied); then the
// golden reference of this image, concurrently with the simulation.
ImageRecord simulate_image(LoadedRun& run, DramImage& dram_image, uint32_t index) {
  ImageRecord rec;
  try {
    Workload& w = *run.workload;
    w.input = image_values(w, index);
    // The bundle's expected tensors belong to its own input, not to other images.
    if (w.input_set.count || index > 0)
      for (WorkloadLayer& layer : w.layers) layer.expected.clear();
    const CompiledWorkload compiled = compile_workload(w, run.platform.compiler);
    replace_input(dram_image, w, compiled, run.plan);
    ReferenceJob reference(run.workload);
    const RunResult r = simulate(run.platform, run.workload, compiled, run.plan,
                                 [&reference]() -> const GoldenOutputs& { return reference.outputs(); }, &dram_image);
    rec.passed = r.passed();
    rec.device_class = top1(r.final_output);
    rec.reference_class = top1(r.final_reference);
    rec.device_equals_reference = r.final_output == r.final_reference;
    rec.output_fnv1a64 = r.layers.empty() ? 0 : r.layers.back().output_fnv1a64;
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

// One image in a child process forked after loading: SystemC elaborates once
// per process, so every image gets a fresh platform, exactly like a single
// run, while the workload is loaded and its weights packed only once.
struct Child {
  pid_t pid;
  int fd;
};

Child start_child(LoadedRun& run, DramImage& dram_image, uint32_t index) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("batch: pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("batch: fork failed");
  if (pid == 0) {
    close(fds[0]);
    const ImageRecord rec = simulate_image(run, dram_image, index);
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

constexpr uint32_t kMaxSeededImages = 10000000;

}  // namespace

BatchResult run_batch(const RunOptions& options, uint32_t images, uint32_t jobs, std::ostream& progress) {
  const auto start = std::chrono::steady_clock::now();
  RunOptions opts = options;
  opts.workload = resolve_workload(options.workload, options.profile, progress);
  opts.profile.clear();
  if (jobs < 1 || jobs > 64) throw UserError("--jobs", std::to_string(jobs), "allowed 1..64");
  LoadedRun run = load_run(opts);
  const Workload& w = *run.workload;
  const InputSet& set = w.input_set;
  if (set.count == 0 && !w.input_uniform)
    throw UserError("--batch", std::to_string(images),
                    "workload '" + w.name + "' has no input set (bundle format 2, input_set) and its input is not "
                    "generated (uniform), so there are no images to draw");
  const uint32_t available = set.count ? set.count : kMaxSeededImages;
  if (images < 1 || images > available)
    throw UserError("--batch", std::to_string(images),
                    "allowed 1.." + std::to_string(available) +
                        (set.count ? " (the images in the input set of " + w.name + ")"
                                   : " (seeded images of " + w.name + ")"));
  // Weights packed once; each child writes its own input into its copy.
  DramImage dram_image = pack_tensors(w, compile_workload(w, run.platform.compiler), run.plan);

  BatchResult result;
  result.workload = w.name;
  result.profile = w.profile;
  result.engine = options.engine.empty() ? "(platform default)" : options.engine;
  result.images = images;
  result.has_labels = set.count > 0;
  result.has_float = !set.float_predictions.empty();
  result.per_image.reserve(images);
  std::deque<std::pair<uint32_t, Child>> running;
  const bool tty = isatty(STDERR_FILENO);
  auto last_report = start;
  uint32_t next = 0, done = 0;
  while (done < images) {
    while (next < images && running.size() < jobs) {
      running.emplace_back(next, start_child(run, dram_image, next));
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
    const int32_t label = result.has_labels ? set.labels[index] : -1;
    result.device_correct += result.has_labels && rec.device_class == label;
    result.reference_correct += result.has_labels && rec.reference_class == label;
    if (result.has_float) result.float_correct += set.float_predictions[index] == label;
    result.device_reference_differences += !rec.device_equals_reference;
    result.failed_runs += !rec.passed;
    result.cycles += rec.cycles;
    result.dram_bytes += rec.dram_bytes;
    result.per_image.push_back({rec.cycles, rec.dram_bytes, rec.output_fnv1a64, rec.device_class, label,
                                rec.passed != 0});
    ++done;

    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - start).count();
    if (done == images || (tty && now - last_report > std::chrono::milliseconds(500)) ||
        (!tty && done % std::max<uint32_t>(1, images / 10) == 0)) {
      last_report = now;
      progress << (tty ? "\r" : "") << "batch: " << done << "/" << images << " images, " << std::fixed
               << std::setprecision(1) << done / std::max(seconds, 1e-9) << " images/s";
      if (result.has_labels)
        progress << ", device top-1 " << std::setprecision(2) << 100.0 * result.device_correct / done << "%";
      progress << (tty ? "" : "\n") << std::flush;
    }
  }
  if (tty) progress << "\n";
  result.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

nlohmann::json batch_json(const BatchResult& r) {
  nlohmann::json images = nlohmann::json::array();
  char hash[17];
  for (size_t i = 0; i < r.per_image.size(); ++i) {
    const BatchImage& b = r.per_image[i];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(b.output_fnv1a64));
    nlohmann::json image{{"image", i}, {"cycles", b.cycles}, {"dram_bytes", b.dram_bytes},
                         {"output_fnv1a64", hash}, {"device_class", b.device_class}, {"passed", b.passed}};
    if (r.has_labels) image["label"] = b.label;
    images.push_back(image);
  }
  return {{"batch", {{"workload", r.workload}, {"profile", r.profile}, {"engine", r.engine}, {"images", r.images},
                     {"passed", r.passed()}, {"host_seconds", r.host_seconds}}},
          {"totals", {{"cycles", r.cycles}, {"dram_bytes", r.dram_bytes}}},
          {"per_image", images}};
}

void print_batch(std::ostream& out, const BatchResult& r) {
  const auto pct = [&](uint32_t n) { return 100.0 * n / r.images; };
  char line[256];
  out << "LoomVP batch  workload " << r.workload << " (profile " << r.profile << ")  engine " << r.engine << "  "
      << r.images << " images\n";
  if (r.has_labels) {
    std::snprintf(line, sizeof line, "top-1 accuracy: device %.2f%%, host integer reference %.2f%%",
                  pct(r.device_correct), pct(r.reference_correct));
    out << line;
    if (r.has_float) {
      std::snprintf(line, sizeof line, ", float model %.2f%%", pct(r.float_correct));
      out << line;
    }
    out << "\n";
  }
  if (r.has_labels) {  // exact counts too: a percentage rounds
    std::snprintf(line, sizeof line, "correct images: device %u, reference %u", r.device_correct,
                  r.reference_correct);
    out << line;
    if (r.has_float) out << ", float " << r.float_correct;
    out << " of " << r.images << "\n";
  }
  std::snprintf(line, sizeof line, "per image: %.0f cycles, %.0f DRAM bytes; total %llu cycles; host %.1f s\n",
                static_cast<double>(r.cycles) / r.images, static_cast<double>(r.dram_bytes) / r.images,
                static_cast<unsigned long long>(r.cycles), r.host_seconds);
  out << line;
  if (r.passed())
    out << "PASS: every image's output matches the golden reference bit for bit\n";
  else
    out << "FAIL: " << r.device_reference_differences << " images differ from the golden reference, " << r.failed_runs
        << " runs failed\n";
}

}  // namespace loomvp
