// `loomvp run --batch N`: the first N images of the bundle's input set (or, for a
// generated input, N images drawn with seeds seed, seed + 1, ...), each run through the
// whole platform (firmware, device, golden reference) exactly like a single run, with
// the workload loaded and its weights packed once; top-1 accuracy from the device's
// output tensors next to the host integer reference's and the float model's.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/runner.h"

namespace loomvp {

struct BatchImage {
  uint64_t cycles = 0, dram_bytes = 0;
  uint64_t output_fnv1a64 = 0;  // the last layer's output, as in a single run's stats
  int32_t device_class = -1, label = -1;
  bool passed = false;
};

struct BatchResult {
  std::string workload, profile, engine;
  uint32_t images = 0;
  uint32_t device_correct = 0, reference_correct = 0, float_correct = 0;
  bool has_labels = false;  // an input set (else seeded images, no accuracy)
  bool has_float = false;
  uint32_t device_reference_differences = 0;  // images whose device output != reference
  uint32_t failed_runs = 0;                   // firmware or layer check failures
  uint64_t cycles = 0, dram_bytes = 0;        // sums over the images
  double host_seconds = 0;
  std::vector<BatchImage> per_image;
  bool passed() const { return failed_runs == 0 && device_reference_differences == 0; }
};

// Throws UserError for bad input (no input set, N out of range).
BatchResult run_batch(const RunOptions& options, uint32_t images, uint32_t jobs, std::ostream& progress);

void print_batch(std::ostream& out, const BatchResult& result);
// `--stats` of a batch: totals and one entry per image (docs/stats-format.md).
nlohmann::json batch_json(const BatchResult& result);

}  // namespace loomvp
