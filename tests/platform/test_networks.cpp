// Format version 2 (docs/workload-format.md): concat layers load with their parts'
// channel offsets and the golden reference concatenates by hand-checked values; bad
// concats are rejected naming the field; networks by name and --profile resolve or fail
// with the allowed values (platform/networks.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <string>

#include "platform/golden_reference.h"
#include "platform/networks.h"
#include "platform/user_error.h"
#include "platform/workload.h"
#include "test_helpers.h"

using Catch::Matchers::Contains;
using namespace loomvp;
using loomvp_test::TempDir;
using loomvp_test::write_text;

namespace {

// a: 1x1 conv, 16 filters of weight 1 (a[f] = x); b: 1x1 conv, one filter of weight 2
// (b = 2x); c = [a; b] (17 channels); f: an fc of weight 1 over c, so f = 16*S + 2*S
// with S the input's sum.
std::string bundle(const std::string& concat_inputs, const std::string& extra_layer = "", int version = 2) {
  return R"({"format": "loomvp-workload", "version": )" + std::to_string(version) + R"(, "name": "cat",
  "notes": ["hello"],
  "input": {"name": "x", "shape": [1, 2, 2], "prec": 4, "data": {"uniform": {"seed": 5, "low": 0, "high": 15}}},
  "layers": [
    {"name": "a", "type": "conv", "input": "x", "filters": 16, "kernel": [1, 1], "pw": 6, "out_prec": 10,
     "weights": {"uniform": {"seed": 9, "low": 1, "high": 1}}},
    {"name": "b", "type": "conv", "input": "x", "filters": 1, "kernel": [1, 1], "pw": 6, "out_prec": 10,
     "weights": {"uniform": {"seed": 9, "low": 2, "high": 2}}},)" + extra_layer + R"(
    {"name": "c", "type": "concat", "inputs": )" + concat_inputs + R"(},
    {"name": "f", "type": "fc", "input": "c", "outputs": 1, "pw": 2, "out_prec": 16, "out_signed": true,
     "weights": {"uniform": {"seed": 9, "low": 1, "high": 1}}}
  ]})";
}

}  // namespace

TEST_CASE("concat: parts get channel offsets, the golden reference concatenates", "[workload][concat]") {
  TempDir dir;
  write_text(dir / "network.json", bundle(R"(["a", "b"])"));
  const Workload w = load_workload(dir.str());
  CHECK(w.version == 2);
  CHECK(w.notes == std::vector<std::string>{"hello"});
  REQUIRE(w.concats.size() == 1);
  const ConcatTensor& c = w.concats[0];
  CHECK(c.name == "c");
  CHECK(c.shape.c == 17);
  CHECK(c.shape.h == 2);
  CHECK(c.parts == std::vector<size_t>{0, 1});
  CHECK(w.layers[0].concat == 0);
  CHECK(w.layers[0].out_c_offset == 0);
  CHECK(w.layers[1].out_c_offset == 16);
  REQUIRE(w.layers.size() == 3);  // the concat is no device layer
  CHECK(w.layers[2].in_shape.c == 17);

  // a = x per channel (weight 1), b = 2x; the fc sums all 17 * 4 values: 16*S + 2*S.
  const auto out = golden_outputs(w);
  int64_t s = 0;
  for (int32_t v : w.input) s += v;
  REQUIRE(out[2].size() == 1);
  CHECK(out[2][0] == 18 * s);
}

TEST_CASE("concat errors name the field", "[workload][concat][errors]") {
  TempDir dir;
  SECTION("a part also read by another layer") {
    write_text(dir / "network.json",
               bundle(R"(["a", "b"])", R"({"name": "p", "type": "maxpool", "input": "a", "kernel": [1, 1], "out_prec": 10},)"));
    CHECK_THROWS_WITH(load_workload(dir.str()), Contains("layers[3].inputs[0]") && Contains("also read by another layer"));
  }
  SECTION("a part that does not fill whole bricks") {
    write_text(dir / "network.json", bundle(R"(["b", "a"])"));
    CHECK_THROWS_WITH(load_workload(dir.str()), Contains("layers[2].inputs[0]") && Contains("multiple of 16"));
  }
  SECTION("the network input is not a layer") {
    write_text(dir / "network.json", bundle(R"(["x", "b"])"));
    CHECK_THROWS_WITH(load_workload(dir.str()), Contains("layers[2].inputs[0]") && Contains("earlier conv"));
  }
  SECTION("concat in a version 1 bundle") {
    write_text(dir / "network.json", bundle(R"(["a", "b"])", "", 1));
    CHECK_THROWS_WITH(load_workload(dir.str()), Contains("notes") && Contains("unknown key"));
  }
}

TEST_CASE("networks by name: index, profiles, errors", "[networks]") {
  const auto index = network_index();
  std::vector<std::string> names;
  for (const auto& n : index) names.push_back(n.name);
  for (const char* n : {"alexnet", "nin", "googlenet", "vgg_s", "vgg_m", "vgg19", "resnet18", "fmnist"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  // a committed bundle serves its own profile without generating anything
  CHECK(resolve_workload("alexnet", "dnnsim-example", std::cerr).find("workloads/alexnet") != std::string::npos);
  CHECK(resolve_workload("tiny-conv", "", std::cerr) == "tiny-conv");
  CHECK_THROWS_WITH(resolve_workload("nin", "dnnsim-example", std::cerr),
                    Contains("--profile: dnnsim-example") && Contains("stripes-100, stripes-99, uniform16, uniform8"));
  CHECK_THROWS_WITH(resolve_workload("tiny-conv", "uniform8", std::cerr), Contains("--profile: uniform8"));
  TempDir dir;
  write_text(dir / "network.json", "{}");
  CHECK_THROWS_WITH(resolve_workload(dir.str(), "uniform8", std::cerr), Contains("only with a network name"));
}
