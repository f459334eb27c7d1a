// The runner's stages without a simulation: the loader checks every shape
// and limit before generating a tensor, the memory plan is a pure function
// of the shapes, and the reference job gives golden_outputs' values and
// stops at once when dropped.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "platform/config.h"
#include "platform/golden_reference.h"
#include "platform/runner.h"
#include "platform/user_error.h"
#include "platform/workload.h"

using namespace loomvp;

TEST_CASE("read_network defers every tensor until read_tensors", "[stages]") {
  Workload w = read_network("tiny-conv");
  CHECK(w.input.empty());
  CHECK(!w.pending_tensors.empty());
  for (const WorkloadLayer& L : w.layers) CHECK(L.weights.empty());
  read_tensors(w);
  CHECK(w.pending_tensors.empty());
  CHECK(w.input.size() == w.input_shape.elements());
  for (const WorkloadLayer& L : w.layers) CHECK(L.weights.size() == L.weight_elements());
}

TEST_CASE("check_device_limits names the first tensor over the limit", "[stages]") {
  const Workload w = read_network("tiny-1x1");  // input 40x1x1, conv1 130 filters of 40, fc1 3 x 130
  DeviceLimits limits;
  limits.max_tensor_elements = 130 * 40 - 1;  // conv1's weights are 5200
  CHECK_THROWS_WITH(check_device_limits(w, limits), Catch::Contains("layers[0] (conv1)") &&
                                                        Catch::Contains("5200 elements"));
  limits.max_tensor_elements = 130 * 40;
  CHECK_NOTHROW(check_device_limits(w, limits));
  limits.max_layer_macs = 5199;  // conv1: 130 x 40 MACs
  CHECK_THROWS_WITH(check_device_limits(w, limits), Catch::Contains("loom.max_layer_macs"));
}

TEST_CASE("plan_memory places tensors 64-byte aligned and refuses a small DRAM", "[stages]") {
  const Workload w = read_network("tiny-1x1");
  PlatformConfig cfg = load_platform("mobile-soc", "base", {});
  const MemoryPlan plan = plan_memory(cfg, w, compile_workload(w, cfg.compiler));
  REQUIRE(plan.table.size() == 2);
  // base stores activations and weights at 16 bits: the input 40x1x1 takes
  // 3 bricks x 16 planes x 2 bytes = 96 bytes at the DRAM base; conv1's
  // weights start at the next 64-byte boundary, 0x8000_0080.
  CHECK(plan.tensors.at("data").address == 0x80000000u);
  CHECK(plan.weight_addr[0] == 0x80000080u);
  CHECK(plan.table[0].weight_addr == 0x80000080u);
  for (const auto& item : plan.tensors) CHECK(item.second.address % 64 == 0);
  cfg.dram.size_bytes = 1000;
  CHECK_THROWS_AS(plan_memory(cfg, w, compile_workload(w, cfg.compiler)), UserError);
}

TEST_CASE("ReferenceJob gives golden_outputs' values", "[stages]") {
  auto w = std::make_shared<Workload>(load_workload("tiny-resnet"));
  ReferenceJob job(w);
  CHECK(job.outputs() == golden_outputs(*w));
}

TEST_CASE("dropping a ReferenceJob stops a long computation at once", "[stages]") {
  // One conv of 512 x 4608 x 12544 = 29.6 G MACs: seconds of GEMM at best.
  auto w = std::make_shared<Workload>();
  w->input_name = "x";
  w->input_shape = {512, 112, 112};
  w->input.assign(w->input_shape.elements(), 3);
  WorkloadLayer L;
  L.name = "conv";
  L.inputs = {"x"};
  L.in_shape = w->input_shape;
  L.out_shape = {512, 112, 112};
  L.kh = L.kw = 3;
  L.py = L.px = 1;
  L.pa = 8, L.pw = 8, L.out_prec = 16, L.out_signed = true;
  L.weights.assign(L.weight_elements(), 1);
  L.bias.assign(512, 0);
  w->layers.push_back(L);
  auto job = std::make_unique<ReferenceJob>(w);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  job.reset();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 1.0);
}
