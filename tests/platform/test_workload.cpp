// Workload bundle loader (platform/workload.h, docs/workload-format.md):
// the built-in tiny bundles load with the shapes and precisions their JSON
// states (read here independently with nlohmann::json), the "uniform"
// initialiser matches the Python golden tensors, and every broken bundle is
// rejected with a UserError naming the file, the field and the allowed values.
#include <catch2/catch.hpp>

#include <climits>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/npy.h"
#include "platform/user_error.h"
#include "platform/workload.h"
#include "test_helpers.h"

using nlohmann::json;
using Catch::Matchers::Contains;
using namespace loomvp;
using loomvp_test::TempDir;
using loomvp_test::write_npy;
using loomvp_test::write_npy_raw;
using loomvp_test::write_text;

namespace {

std::string source_path(const std::string& rel) { return std::string(LOOMVP_SOURCE_DIR) + "/" + rel; }

json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return json::parse(in);
}

std::vector<int64_t> as_int64(const std::vector<int16_t>& v) { return {v.begin(), v.end()}; }
std::vector<int64_t> as_int64(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }

struct Tensor {
  uint32_t c, h, w, prec;
  bool is_signed;
};

// Checks a loaded workload against its network.json, every derived number
// computed here from the JSON alone.
void check_against_json(const std::string& bundle) {
  const std::string dir = source_path("workloads/" + bundle);
  const json doc = read_json(dir + "/network.json");
  const Workload w = load_workload(bundle);

  CHECK(w.name == doc["name"].get<std::string>());
  const json& in = doc["input"];
  CHECK(w.input_name == in["name"].get<std::string>());
  CHECK(w.input_shape.c == in["shape"][0].get<uint32_t>());
  CHECK(w.input_shape.h == in["shape"][1].get<uint32_t>());
  CHECK(w.input_shape.w == in["shape"][2].get<uint32_t>());
  CHECK(w.input_prec == in["prec"].get<uint32_t>());
  CHECK(w.input_signed == in.value("signed", false));
  const uint64_t in_elems = in["shape"][0].get<uint64_t>() * in["shape"][1].get<uint64_t>() * in["shape"][2].get<uint64_t>();
  REQUIRE(w.input.size() == in_elems);
  if (in["data"].contains("file")) {
    const NpyArray a = read_npy(dir + "/" + in["data"]["file"].get<std::string>());
    CHECK(as_int64(w.input) == a.values);
  }
  const int64_t in_hi = in.value("signed", false) ? (1 << (in["prec"].get<int>() - 1)) - 1 : (1 << in["prec"].get<int>()) - 1;
  const int64_t in_lo = in.value("signed", false) ? -(1 << (in["prec"].get<int>() - 1)) : 0;
  for (int32_t v : w.input) REQUIRE((v >= in_lo && v <= in_hi));

  std::map<std::string, Tensor> tensors{
      {in["name"].get<std::string>(),
       {in["shape"][0].get<uint32_t>(), in["shape"][1].get<uint32_t>(), in["shape"][2].get<uint32_t>(),
        in["prec"].get<uint32_t>(), in.value("signed", false)}}};
  const std::map<std::string, LayerType> types{{"conv", LayerType::Conv}, {"fc", LayerType::Fc},
                                               {"maxpool", LayerType::MaxPool}, {"avgpool", LayerType::AvgPool},
                                               {"add", LayerType::Add}};

  const json& layers = doc["layers"];
  REQUIRE(w.layers.size() == layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const json& j = layers[i];
    const WorkloadLayer& L = w.layers[i];
    const std::string type = j["type"].get<std::string>();
    INFO("layer " << i << " " << j["name"].get<std::string>());
    CHECK(L.name == j["name"].get<std::string>());
    CHECK(L.type == types.at(type));
    CHECK(L.out_prec == j["out_prec"].get<uint32_t>());
    CHECK(L.out_signed == j.value("out_signed", false));
    CHECK(L.shift == j.value("shift", 0u));
    CHECK(L.relu == j.value("relu", false));

    const std::string in0 = type == "add" ? j["inputs"][0].get<std::string>() : j["input"].get<std::string>();
    const Tensor a = tensors.at(in0);
    REQUIRE(!L.inputs.empty());
    CHECK(L.inputs[0] == in0);
    CHECK(L.in_shape.c == a.c);
    CHECK(L.in_shape.h == a.h);
    CHECK(L.in_shape.w == a.w);
    CHECK(L.pa == a.prec);
    CHECK(L.in_signed == a.is_signed);
    if (j.contains("pa")) CHECK(L.pa == j["pa"].get<uint32_t>());

    Tensor out{a.c, a.h, a.w, j["out_prec"].get<uint32_t>(), j.value("out_signed", false)};
    if (type == "conv" || type == "maxpool" || type == "avgpool") {
      const uint32_t kh = j["kernel"][0], kw = j["kernel"][1];
      const json stride = j.value("stride", json::array({1, 1})), pad = j.value("pad", json::array({0, 0}));
      const uint32_t sy = stride[0], sx = stride[1], py = pad[0], px = pad[1];
      CHECK(L.kh == kh);
      CHECK(L.kw == kw);
      CHECK(L.sy == sy);
      CHECK(L.sx == sx);
      CHECK(L.py == py);
      CHECK(L.px == px);
      out.h = (a.h + 2 * py - kh) / sy + 1;
      out.w = (a.w + 2 * px - kw) / sx + 1;
    }
    if (type == "conv") {
      out.c = j["filters"];
      CHECK(L.groups == j.value("groups", 1u));
    } else if (type == "fc") {
      out.c = j["outputs"];
      out.h = out.w = 1;
      CHECK(L.kh == a.h);
      CHECK(L.kw == a.w);
    } else if (type == "add") {
      const Tensor b = tensors.at(j["inputs"][1].get<std::string>());
      REQUIRE(L.inputs.size() == 2);
      CHECK(L.inputs[1] == j["inputs"][1].get<std::string>());
      CHECK(L.pa2 == b.prec);
      CHECK(L.in2_signed == b.is_signed);
    }
    CHECK(L.out_shape.c == out.c);
    CHECK(L.out_shape.h == out.h);
    CHECK(L.out_shape.w == out.w);

    if (type == "conv" || type == "fc") {
      const uint32_t groups = j.value("groups", 1u);
      CHECK(L.pw == j["pw"].get<uint32_t>());
      const uint64_t count = uint64_t{out.c} * (a.c / groups) * (type == "fc" ? a.h * a.w : uint64_t{L.kh} * L.kw);
      REQUIRE(L.weights.size() == count);
      REQUIRE(L.bias.size() == out.c);
      const int pw = j["pw"];
      for (int16_t v : L.weights) REQUIRE((v >= -(1 << (pw - 1)) && v <= (1 << (pw - 1)) - 1));
      if (j["weights"].contains("file"))
        CHECK(as_int64(L.weights) == read_npy(dir + "/" + j["weights"]["file"].get<std::string>()).values);
      else
        CHECK(as_int64(L.weights) == uniform_values(count, j["weights"]["uniform"]["seed"],
                                                     j["weights"]["uniform"]["low"], j["weights"]["uniform"]["high"]));
      if (!j.contains("bias"))
        CHECK(L.bias == std::vector<int32_t>(out.c, 0));
      else if (j["bias"].contains("file"))
        CHECK(as_int64(L.bias) == read_npy(dir + "/" + j["bias"]["file"].get<std::string>()).values);
      else
        CHECK(as_int64(L.bias) == uniform_values(out.c, j["bias"]["uniform"]["seed"], j["bias"]["uniform"]["low"],
                                                  j["bias"]["uniform"]["high"]));
    } else {
      CHECK(L.weights.empty());
    }
    if (j.contains("expected")) {
      REQUIRE(j["expected"].contains("file"));
      CHECK(as_int64(L.expected) == read_npy(dir + "/" + j["expected"]["file"].get<std::string>()).values);
      CHECK(L.expected.size() == uint64_t{out.c} * out.h * out.w);
    } else {
      CHECK(L.expected.empty());
    }
    tensors[j["name"].get<std::string>()] = out;
  }
}

}  // namespace

TEST_CASE("tiny-conv loads as its network.json describes", "[workload]") { check_against_json("tiny-conv"); }
TEST_CASE("tiny-resnet loads as its network.json describes", "[workload]") { check_against_json("tiny-resnet"); }
TEST_CASE("tiny-1x1 loads as its network.json describes", "[workload]") { check_against_json("tiny-1x1"); }

TEST_CASE("tiny-conv shapes and precisions, hand-written", "[workload]") {
  const Workload w = load_workload("tiny-conv");
  // input 19x9x11 u6; conv1 3x3 s2 p1: (9+2-3)/2+1 = 5, (11+2-3)/2+1 = 6;
  // pool1 3x3 s2 p1 on 5x6: (5+2-3)/2+1 = 3, (6+2-3)/2+1 = 3;
  // pool2 2x2 s2 p1 on 3x3: (3+2-2)/2+1 = 2.
  CHECK(w.input_shape.str() == "19x9x11");
  CHECK(w.input_prec == 6);
  CHECK_FALSE(w.input_signed);
  REQUIRE(w.layers.size() == 5);
  struct Row {
    const char* name;
    LayerType type;
    const char* in;
    const char* out;
    uint32_t pa, pw, po, groups;
    bool out_signed;
    uint64_t weights;
  };
  const Row rows[] = {
      {"conv1", LayerType::Conv, "19x9x11", "21x5x6", 6, 3, 5, 1, false, 21 * 19 * 9},
      {"conv2", LayerType::Conv, "21x5x6", "135x5x6", 5, 5, 8, 3, false, 135 * 7},
      {"pool1", LayerType::MaxPool, "135x5x6", "135x3x3", 8, 0, 8, 1, false, 0},
      {"pool2", LayerType::AvgPool, "135x3x3", "135x2x2", 8, 0, 7, 1, false, 0},
      {"fc1", LayerType::Fc, "135x2x2", "37x1x1", 7, 11, 9, 1, true, 37 * 135 * 4},
  };
  for (size_t i = 0; i < 5; ++i) {
    const WorkloadLayer& L = w.layers[i];
    INFO(rows[i].name);
    CHECK(L.name == rows[i].name);
    CHECK(L.type == rows[i].type);
    CHECK(L.in_shape.str() == rows[i].in);
    CHECK(L.out_shape.str() == rows[i].out);
    CHECK(L.pa == rows[i].pa);
    CHECK(L.pw == rows[i].pw);
    CHECK(L.out_prec == rows[i].po);
    CHECK(L.groups == rows[i].groups);
    CHECK(L.out_signed == rows[i].out_signed);
    CHECK(L.weights.size() == rows[i].weights);
  }
  // fc1's weights are stored as [37, 540] and read as [37, 135, 2, 2].
  CHECK(w.layers[4].kh == 2);
  CHECK(w.layers[4].kw == 2);
  // pool2 has a shift of 1, conv2 3 groups of 7 channels.
  CHECK(w.layers[3].shift == 1);
  CHECK(w.layers[1].macs() == uint64_t{135} * 5 * 6 * 7);
}

TEST_CASE("tiny-resnet: add layer reads two tensors, hand-written", "[workload]") {
  const Workload w = load_workload("tiny-resnet");
  REQUIRE(w.layers.size() == 5);
  CHECK(w.input_signed);
  CHECK(w.input_prec == 7);
  const WorkloadLayer& add = w.layers[2];
  CHECK(add.type == LayerType::Add);
  CHECK(add.inputs == std::vector<std::string>{"data", "conv_b"});
  CHECK(add.pa == 7);   // data: 7-bit signed
  CHECK(add.in_signed);
  CHECK(add.pa2 == 7);  // conv_b: out_prec 7 signed
  CHECK(add.in2_signed);
  CHECK(add.out_shape.str() == "16x8x8");
  CHECK(w.layers[4].out_shape.str() == "10x1x1");
  CHECK(w.layers[4].in_shape.str() == "16x8x8");
}

TEST_CASE("a bundle can be named by directory or by network.json path", "[workload]") {
  const Workload by_name = load_workload("tiny-1x1");
  const Workload by_dir = load_workload(source_path("workloads/tiny-1x1"));
  const Workload by_file = load_workload(source_path("workloads/tiny-1x1/network.json"));
  CHECK(by_dir.name == "tiny-1x1");
  CHECK(by_file.name == "tiny-1x1");
  CHECK(by_dir.input == by_name.input);
  CHECK(by_file.layers[0].weights == by_name.layers[0].weights);
  // input: uniform seed 3001 over 0..255, 40 values
  CHECK(by_name.input.size() == 40);
}

TEST_CASE("builtin_workloads lists the bundles in workloads/", "[workload]") {
  const auto names = builtin_workloads();
  for (const char* n : {"alexnet", "tiny-1x1", "tiny-conv", "tiny-resnet"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("alexnet loads with the ImageNet shapes and MAC counts", "[workload]") {
  const Workload w = load_workload("alexnet");
  REQUIRE(w.layers.size() == 11);
  CHECK(w.input_shape.str() == "3x227x227");
  // conv1 11x11 s4: (227-11)/4+1 = 55; pool 3x3 s2: (55-3)/2+1 = 27; conv2 5x5 p2
  // keeps 27; pool: (27-3)/2+1 = 13; conv3-5 3x3 p1 keep 13; pool5: (13-3)/2+1 = 6.
  const char* outs[] = {"96x55x55",  "96x27x27",  "256x27x27", "256x13x13", "384x13x13", "384x13x13",
                        "256x13x13", "256x6x6",   "4096x1x1",  "4096x1x1",  "1000x1x1"};
  for (size_t i = 0; i < 11; ++i) CHECK(w.layers[i].out_shape.str() == outs[i]);
  // MACs F*OH*OW*(C/g)*KH*KW, the grouped AlexNet's well-known figures
  CHECK(w.layers[0].macs() == 105415200ull);  // 96*55*55*3*121
  CHECK(w.layers[2].macs() == 223948800ull);  // 256*27*27*48*25
  CHECK(w.layers[4].macs() == 149520384ull);  // 384*13*13*256*9
  CHECK(w.layers[5].macs() == 112140288ull);  // 384*13*13*192*9
  CHECK(w.layers[6].macs() == 74760192ull);   // 256*13*13*192*9
  CHECK(w.layers[8].macs() == 37748736ull);   // 4096*9216
  CHECK(w.layers[9].macs() == 16777216ull);   // 4096*4096
  CHECK(w.layers[10].macs() == 4096000ull);   // 1000*4096
  CHECK(w.layers[2].groups == 2);
  CHECK(w.layers[8].weights.size() == 4096ull * 256 * 6 * 6);
  CHECK(w.profile == "dnnsim-example");
}

// ---------------------------------------------------------------- the PRNG

TEST_CASE("uniform_values: splitmix64 reference sequence for seed 0", "[workload][prng]") {
  // low = INT64_MIN, high = INT64_MAX: span 0 (all 2^64), value = INT64_MIN + z
  // (mod 2^64), i.e. z with its top bit flipped. z for seed 0 is the published
  // splitmix64 sequence e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f, ...
  const auto v = uniform_values(4, 0, INT64_MIN, INT64_MAX);
  REQUIRE(v.size() == 4);
  const uint64_t flip = 0x8000000000000000ull;
  CHECK(static_cast<uint64_t>(v[0]) == (0xE220A8397B1DCDAFull ^ flip));
  CHECK(static_cast<uint64_t>(v[1]) == (0x6E789E6AA1B965F4ull ^ flip));
  CHECK(static_cast<uint64_t>(v[2]) == (0x06C45D188009454Full ^ flip));
  CHECK(static_cast<uint64_t>(v[3]) == (0xF88BB8A8724C81ECull ^ flip));
  // low = 0 and a span of 2^63 (0..INT64_MAX): z mod 2^63
  CHECK(uniform_values(1, 0, 0, INT64_MAX)[0] == static_cast<int64_t>(0xE220A8397B1DCDAFull & ~flip));
  // span 10: 0xE220A8397B1DCDAF % 10 = 16294208416658607535 % 10 = 5
  CHECK(uniform_values(1, 0, 0, 9)[0] == 5);
  CHECK(uniform_values(1, 0, -5, 4)[0] == 0);
}

TEST_CASE("uniform_values matches tests/data/prng seed 42, 3x5x7, -100..100", "[workload][prng]") {
  const NpyArray golden = read_npy(std::string(LOOMVP_TEST_DATA) + "/prng/uniform_seed42_shape3x5x7_lo-100_hi100.npy");
  REQUIRE(golden.shape == std::vector<uint64_t>{3, 5, 7});
  const auto v = uniform_values(105, 42, -100, 100);
  CHECK(v == golden.values);
  CHECK(*std::min_element(v.begin(), v.end()) >= -100);
  CHECK(*std::max_element(v.begin(), v.end()) <= 100);
}

TEST_CASE("uniform_values matches tests/data/prng seed 7, 1000, 0..255", "[workload][prng]") {
  const NpyArray golden = read_npy(std::string(LOOMVP_TEST_DATA) + "/prng/uniform_seed7_shape1000_lo0_hi255.npy");
  REQUIRE(golden.shape == std::vector<uint64_t>{1000});
  CHECK(uniform_values(1000, 7, 0, 255) == golden.values);
  // a prefix is the same sequence
  const auto prefix = uniform_values(10, 7, 0, 255);
  CHECK(std::equal(prefix.begin(), prefix.end(), golden.values.begin()));
}

TEST_CASE("uniform_values with low == high is constant", "[workload][prng]") {
  CHECK(uniform_values(5, 123, -7, -7) == std::vector<int64_t>(5, -7));
  CHECK(uniform_values(0, 1, 0, 1).empty());
}

// ------------------------------------------------------------ bad bundles

namespace {

// A small valid bundle: 4x5x5 input, grouped conv, fc.
json good_bundle() {
  return json::parse(R"({
    "format": "loomvp-workload", "version": 1, "name": "probe",
    "input": {"name": "data", "shape": [4, 5, 5], "prec": 8, "signed": false,
              "data": {"uniform": {"seed": 1, "low": 0, "high": 255}}},
    "layers": [
      {"name": "conv1", "type": "conv", "input": "data", "filters": 6, "kernel": [3, 3],
       "stride": [1, 1], "pad": [1, 1], "groups": 2, "pa": 8, "pw": 4, "out_prec": 8,
       "shift": 4, "relu": true,
       "weights": {"uniform": {"seed": 2, "low": -7, "high": 7}},
       "bias": {"uniform": {"seed": 3, "low": -100, "high": 100}}},
      {"name": "pool1", "type": "maxpool", "input": "conv1", "kernel": [2, 2], "stride": [2, 2],
       "pad": [1, 1], "pa": 8, "out_prec": 8},
      {"name": "res", "type": "add", "inputs": ["pool1", "pool1"], "out_prec": 9},
      {"name": "fc1", "type": "fc", "input": "res", "outputs": 3, "pa": 9, "pw": 5, "out_prec": 8,
       "out_signed": true, "weights": {"uniform": {"seed": 4, "low": -15, "high": 15}}}
    ]})");
}

// Conv weights of good_bundle() as a file: [6, 2, 3, 3].
std::vector<int64_t> conv1_weights() { return uniform_values(6 * 2 * 3 * 3, 2, -7, 7); }

struct Bundle {
  TempDir dir;
  std::string json_path() const { return dir / "network.json"; }
  void write(const json& doc) const { write_text(json_path(), doc.dump(2)); }
};

// Loads `dir` expecting a UserError; returns its message.
std::string user_error_of(const std::string& dir) {
  try {
    load_workload(dir);
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected loomvp::UserError, got another exception: " << e.what());
  }
  FAIL("expected loomvp::UserError, but the bundle loaded");
  return "";
}

// Writes `doc`, expects a UserError naming network.json and every `parts`.
void expect_bad(const json& doc, std::initializer_list<const char*> parts, Bundle* use = nullptr) {
  Bundle local;
  Bundle& b = use ? *use : local;
  b.write(doc);
  const std::string msg = user_error_of(b.dir.str());
  INFO("message: " << msg);
  CHECK_THAT(msg, Contains(b.json_path()));
  for (const char* p : parts) CHECK_THAT(msg, Contains(p));
}

}  // namespace

TEST_CASE("the probe bundle itself is valid", "[workload][errors]") {
  Bundle b;
  b.write(good_bundle());
  const Workload w = load_workload(b.dir.str());
  REQUIRE(w.layers.size() == 4);
  CHECK(w.layers[0].out_shape.str() == "6x5x5");
  CHECK(w.layers[1].out_shape.str() == "6x3x3");  // (5+2-2)/2+1 = 3
  CHECK(w.layers[2].out_shape.str() == "6x3x3");
  CHECK(w.layers[3].kh == 3);
  CHECK(w.layers[3].bias == std::vector<int32_t>(3, 0));
  CHECK(w.path == b.json_path());
}

TEST_CASE("bad bundle: malformed JSON", "[workload][errors]") {
  Bundle b;
  write_text(b.json_path(), "{\"format\": \"loomvp-workload\", \"version\": 1,");
  const std::string msg = user_error_of(b.dir.str());
  CHECK_THAT(msg, Contains(b.json_path()));
  CHECK_THAT(msg, Contains("malformed JSON"));
}

TEST_CASE("bad bundle: directory without network.json", "[workload][errors]") {
  TempDir d;
  const std::string msg = user_error_of(d.str());
  CHECK_THAT(msg, Contains(d.str()));
  CHECK_THAT(msg, Contains("built-in workloads"));
  CHECK_THAT(msg, Contains("tiny-conv"));
  // a name that is neither a bundle nor a built-in
  const std::string msg2 = user_error_of("no-such-workload-xyz");
  CHECK_THAT(msg2, Contains("no-such-workload-xyz"));
  CHECK_THAT(msg2, Contains("alexnet"));
}

TEST_CASE("bad bundle: weights file missing", "[workload][errors]") {
  Bundle b;
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "data/nope.npy"}};
  b.write(doc);
  const std::string msg = user_error_of(b.dir.str());
  INFO("message: " << msg);
  CHECK_THAT(msg, Contains("data/nope.npy"));
  // docs/workload-format.md section 8: the message names the field
  CHECK_THAT(msg, Contains("layers[0].weights"));
}

TEST_CASE("bad bundle: wrong weight shape", "[workload][errors]") {
  Bundle b;
  write_npy(b.dir / "w.npy", {6, 2, 3, 2}, std::vector<int64_t>(72, 1), 1);
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "w.npy"}};
  expect_bad(doc, {"layers[0].weights", "[6, 2, 3, 2]", "[6, 2, 3, 3]"}, &b);
}

TEST_CASE("bad bundle: conv weights must have exactly the shape [F, C/g, KH, KW]", "[workload][errors]") {
  // Section 4.1: "The shape must match exactly (fc weights: either of two
  // shapes)"; only fc weights may be flattened to [F, C*H*W].
  SECTION("flattened conv weights [6, 18]") {
    Bundle b;
    write_npy(b.dir / "w.npy", {6, 18}, conv1_weights(), 1);
    json doc = good_bundle();
    doc["layers"][0]["weights"] = {{"file", "w.npy"}};
    expect_bad(doc, {"layers[0].weights", "[6, 2, 3, 3]"}, &b);
  }
  SECTION("an extra leading dimension of 1 [1, 6, 2, 3, 3]") {
    Bundle b;
    write_npy(b.dir / "w.npy", {1, 6, 2, 3, 3}, conv1_weights(), 1);
    json doc = good_bundle();
    doc["layers"][0]["weights"] = {{"file", "w.npy"}};
    expect_bad(doc, {"layers[0].weights", "[6, 2, 3, 3]"}, &b);
  }
}

TEST_CASE("conv weights from a file load in F, C/g, KH, KW order; fc may be flattened", "[workload]") {
  Bundle b;
  const auto cw = conv1_weights();
  write_npy(b.dir / "data/w.npy", {6, 2, 3, 3}, cw, 2);
  // fc1: 3 outputs of a 6x3x3 input = 54 weights per output, flattened
  std::vector<int64_t> fw(3 * 54);
  for (size_t i = 0; i < fw.size(); ++i) fw[i] = static_cast<int64_t>(i % 31) - 15;
  write_npy(b.dir / "data/fc.npy", {3, 54}, fw, 1);
  // version 2.0 header (4-byte length) for the bias
  write_npy(b.dir / "data/b.npy", {6}, {-5, 4, -3, 2, -1, 100000}, 4, true, 2);
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "data/w.npy"}};
  doc["layers"][0]["bias"] = {{"file", "data/b.npy"}};
  doc["layers"][3]["weights"] = {{"file", "data/fc.npy"}};
  b.write(doc);
  const Workload w = load_workload(b.dir.str());
  CHECK(as_int64(w.layers[0].weights) == cw);
  CHECK(w.layers[0].bias == std::vector<int32_t>{-5, 4, -3, 2, -1, 100000});
  CHECK(as_int64(w.layers[3].weights) == fw);
}

TEST_CASE("bad bundle: pw 0", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["pw"] = 0;
  expect_bad(doc, {"layers[0].pw", "1..16"});
}

TEST_CASE("bad bundle: pw 17", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][3]["pw"] = 17;
  expect_bad(doc, {"layers[3].pw", "17", "1..16"});
}

TEST_CASE("bad bundle: pw not an integer (4.0)", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["pw"] = 4.0;
  expect_bad(doc, {"layers[0].pw", "1..16"});
}

TEST_CASE("bad bundle: out_prec 17", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][1]["out_prec"] = 17;
  expect_bad(doc, {"layers[1].out_prec", "17", "1..16"});
}

TEST_CASE("bad bundle: input prec 0", "[workload][errors]") {
  json doc = good_bundle();
  doc["input"]["prec"] = 0;
  expect_bad(doc, {"input.prec", "1..16"});
}

TEST_CASE("bad bundle: unknown layer type", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][1]["type"] = "minpool";
  expect_bad(doc, {"layers[1].type", "minpool", "conv, fc, maxpool, avgpool, add"});
}

TEST_CASE("bad bundle: unknown key in a layer", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["strides"] = json::array({1, 1});
  expect_bad(doc, {"layers[0].strides", "unknown key", "stride"});
}

TEST_CASE("bad bundle: unknown key at the top level and in input", "[workload][errors]") {
  SECTION("top level") {
    json doc = good_bundle();
    doc["layer"] = json::array();
    expect_bad(doc, {"layer", "unknown key", "layers"});
  }
  SECTION("input") {
    json doc = good_bundle();
    doc["input"]["dtype"] = "u8";
    expect_bad(doc, {"input.dtype", "unknown key", "prec"});
  }
  SECTION("pa on an add layer") {
    json doc = good_bundle();
    doc["layers"][2]["pa"] = 8;
    expect_bad(doc, {"layers[2].pa", "unknown key"});
  }
}

TEST_CASE("bad bundle: input referencing an unknown tensor", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][3]["input"] = "nosuch";
  expect_bad(doc, {"layers[3].input", "nosuch", "earlier layer"});
}

TEST_CASE("bad bundle: input referencing a later layer", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][1]["input"] = "fc1";
  expect_bad(doc, {"layers[1].input", "fc1", "earlier layer"});
}

TEST_CASE("bad bundle: add input referencing an unknown tensor", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][2]["inputs"][1] = "nosuch";
  expect_bad(doc, {"layers[2].inputs[1]", "nosuch"});
}

TEST_CASE("bad bundle: pa mismatching the input's stored precision", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["pa"] = 7;  // data is stored at 8 bits
  expect_bad(doc, {"layers[0].pa", "7", "8"});
}

TEST_CASE("bad bundle: weight value outside the pw range", "[workload][errors]") {
  SECTION("uniform source whose low is below -2^(pw-1)") {
    json doc = good_bundle();
    doc["layers"][0]["weights"]["uniform"]["low"] = -9;  // pw 4: -8..7
    expect_bad(doc, {"layers[0].weights", "-8..7"});
  }
  SECTION("file with one value 8 > 2^(pw-1)-1") {
    Bundle b;
    auto cw = conv1_weights();
    cw[17] = 8;
    write_npy(b.dir / "w.npy", {6, 2, 3, 3}, cw, 1);
    json doc = good_bundle();
    doc["layers"][0]["weights"] = {{"file", "w.npy"}};
    expect_bad(doc, {"layers[0].weights", "17", "-8..7"}, &b);
  }
  SECTION("file with one value -9") {
    Bundle b;
    auto cw = conv1_weights();
    cw[0] = -9;
    write_npy(b.dir / "w.npy", {6, 2, 3, 3}, cw, 2);
    json doc = good_bundle();
    doc["layers"][0]["weights"] = {{"file", "w.npy"}};
    expect_bad(doc, {"layers[0].weights", "-9", "-8..7"}, &b);
  }
}

TEST_CASE("bad bundle: input value outside its precision", "[workload][errors]") {
  json doc = good_bundle();
  doc["input"]["data"]["uniform"]["high"] = 256;  // 8-bit unsigned: 0..255
  expect_bad(doc, {"input.data", "0..255"});
}

TEST_CASE("bad bundle: groups not dividing the channels", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["groups"] = 3;  // C = 4, F = 6
  expect_bad(doc, {"layers[0].groups", "3", "4"});
}

TEST_CASE("bad bundle: groups not dividing the filters", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["groups"] = 4;  // C = 4, F = 6
  expect_bad(doc, {"layers[0].groups", "4", "6"});
}

TEST_CASE("bad bundle: kernel larger than the padded input", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["kernel"] = json::array({8, 3});  // 5 + 2*1 = 7 < 8
  expect_bad(doc, {"layers[0].kernel", "4x5x5"});
}

TEST_CASE("bad bundle: pool padding not smaller than the window", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][1]["pad"] = json::array({2, 1});  // kernel 2x2
  expect_bad(doc, {"layers[1].pad"});
}

TEST_CASE("bad bundle: add inputs of different shapes", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][2]["inputs"] = json::array({"pool1", "conv1"});
  expect_bad(doc, {"layers[2].inputs", "6x3x3", "6x5x5"});
}

TEST_CASE("bad bundle: duplicate tensor name", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][1]["name"] = "data";
  expect_bad(doc, {"layers[1].name", "data"});
}

TEST_CASE("bad bundle: invalid name", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["name"] = "conv 1";
  expect_bad(doc, {"layers[0].name", "[A-Za-z0-9_][A-Za-z0-9_.-]*"});
}

TEST_CASE("bad bundle: version 3", "[workload][errors]") {
  json doc = good_bundle();
  doc["version"] = 3;
  expect_bad(doc, {"version", "1..2"});
}

TEST_CASE("bad bundle: format of the wrong type is bad input, not an internal error", "[workload][errors]") {
  json doc = good_bundle();
  doc["format"] = 1;
  expect_bad(doc, {"format", "loomvp-workload"});
}

TEST_CASE("bad bundle: empty layer list", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"] = json::array();
  expect_bad(doc, {"layers", "non-empty"});
}

TEST_CASE("bad bundle: .npy of dtype float32", "[workload][errors]") {
  Bundle b;
  std::vector<uint8_t> data(6 * 2 * 3 * 3 * 4, 0);
  write_npy_raw(b.dir / "w.npy", "<f4", {6, 2, 3, 3}, data);
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "w.npy"}};
  b.write(doc);
  const std::string msg = user_error_of(b.dir.str());
  INFO("message: " << msg);
  CHECK_THAT(msg, Contains(b.dir / "w.npy"));
  CHECK_THAT(msg, Contains("dtype"));
  CHECK_THAT(msg, Contains("int8"));
  CHECK_THAT(msg, Contains("layers[0].weights"));  // section 8: names the field
}

TEST_CASE("bad bundle: big-endian .npy", "[workload][errors]") {
  Bundle b;
  write_npy_raw(b.dir / "b.npy", ">i2", {6}, std::vector<uint8_t>(12, 0));
  json doc = good_bundle();
  doc["layers"][0]["bias"] = {{"file", "b.npy"}};
  b.write(doc);
  const std::string msg = user_error_of(b.dir.str());
  CHECK_THAT(msg, Contains(b.dir / "b.npy"));
  CHECK_THAT(msg, Contains("big-endian"));
}

TEST_CASE("bad bundle: path with '..'", "[workload][errors]") {
  Bundle b;
  write_npy(b.dir / "w.npy", {6, 2, 3, 3}, conv1_weights(), 1);
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "sub/../w.npy"}};
  expect_bad(doc, {"layers[0].weights.file", "sub/../w.npy", "inside the bundle"}, &b);
}

TEST_CASE("bad bundle: absolute path", "[workload][errors]") {
  Bundle b;
  write_npy(b.dir / "w.npy", {6, 2, 3, 3}, conv1_weights(), 1);
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", b.dir / "w.npy"}};
  expect_bad(doc, {"layers[0].weights.file", "inside the bundle"}, &b);
}

// Issue 7, defect 1: the name check used std::regex_match, whose recursion
// overflowed the stack on a 30,000-character name.
TEST_CASE("bad bundle: a 30000-character invalid name is refused, echoed short", "[workload][errors]") {
  json doc = good_bundle();
  doc["layers"][0]["name"] = std::string(30000, 'a') + "!";
  Bundle b;
  b.write(doc);
  const std::string msg = user_error_of(b.dir.str());
  CHECK_THAT(msg, Contains("layers[0].name"));
  CHECK_THAT(msg, Contains("30001 characters"));
  CHECK(msg.size() < 800);
}

// Defect 1: a deeply nested value in an echoed field.
TEST_CASE("bad bundle: a field nested 100000 deep is refused without recursion", "[workload][errors]") {
  Bundle b;
  std::string text = good_bundle().dump();
  const std::string key = "\"pw\":4";
  text.replace(text.find(key), key.size(), "\"pw\":" + std::string(100000, '[') + std::string(100000, ']'));
  write_text(b.json_path(), text);
  const std::string msg = user_error_of(b.dir.str());
  CHECK_THAT(msg, Contains("layers[0].pw"));
  CHECK_THAT(msg, Contains("nested deeper"));
}

// Defect 9: 1e400 named no field.
TEST_CASE("bad bundle: a number beyond double range names its field", "[workload][errors]") {
  Bundle b;
  std::string text = good_bundle().dump();
  const std::string key = "\"shift\":4";
  text.replace(text.find(key), key.size(), "\"shift\":1e400");
  write_text(b.json_path(), text);
  CHECK_THAT(user_error_of(b.dir.str()), Contains("layers[0].shift: number out of range"));
}

// Defect 8: "profile": 5 was silently accepted.
TEST_CASE("bad bundle: profile must be a string", "[workload][errors]") {
  json doc = good_bundle();
  doc["profile"] = 5;
  expect_bad(doc, {"profile", "must be a string"});
}

// Defect 8: a symlink may point inside the bundle, never out of it.
TEST_CASE("bad bundle: a symlink leaving the bundle is refused", "[workload][errors]") {
  TempDir outside;
  write_npy(outside / "w.npy", {6, 2, 3, 3}, conv1_weights(), 1);
  Bundle b;
  std::filesystem::create_symlink(outside / "w.npy", b.dir / "w.npy");
  json doc = good_bundle();
  doc["layers"][0]["weights"] = {{"file", "w.npy"}};
  expect_bad(doc, {"layers[0].weights.file", "outside the bundle"}, &b);

  Bundle inside;
  write_npy(inside.dir / "data/w.npy", {6, 2, 3, 3}, conv1_weights(), 1);
  std::filesystem::create_symlink("data/w.npy", inside.dir / "w.npy");
  inside.write(doc);
  CHECK(load_workload(inside.dir.str()).layers[0].weights.size() == 6 * 2 * 3 * 3);
}

// Defect 8: `--workload ../x` looked the name up relative to the workloads folder.
TEST_CASE("bad bundle: a built-in name with '..' or '/' is not looked up", "[workload][errors]") {
  const std::string name = "../workloads/tiny-1x1";
  REQUIRE(std::filesystem::exists(workloads_dir() + "/" + name + "/network.json"));
  REQUIRE_FALSE(std::filesystem::exists(name));
  CHECK_THAT(user_error_of(name), Contains("no such workload"));
}

TEST_CASE("uniform_values: the division-free modulo and the threaded halves match plain splitmix64 % span",
          "[workload][prng]") {
  // Plain reimplementation of docs/workload-format.md 4.2 with the % operator.
  const auto plain = [](uint64_t count, uint64_t seed, int64_t low, int64_t high) {
    const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
    std::vector<int64_t> v(count);
    uint64_t state = seed;
    for (auto& x : v) {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      x = static_cast<int64_t>(static_cast<uint64_t>(low) + (span ? z % span : z));
    }
    return v;
  };
  const std::vector<std::pair<int64_t, int64_t>> ranges{
      {0, 0}, {0, 1}, {-1, 1}, {0, 6}, {-255, 255}, {-32768, 32767}, {0, 65535}, {INT32_MIN, INT32_MAX},
      {0, (int64_t{1} << 32)}, {0, (int64_t{1} << 62) - 1}, {INT64_MIN / 2, INT64_MAX / 2 + 7},
      {INT64_MIN, -1}, {INT64_MIN, INT64_MAX - 1}, {INT64_MIN, INT64_MAX}};
  for (const auto& r : ranges) {
    INFO("range " << r.first << ".." << r.second);
    CHECK(uniform_values(5000, 42, r.first, r.second) == plain(5000, 42, r.first, r.second));
  }
  // Over 2^20 values: generated in two threaded halves.
  const uint64_t big = (uint64_t{1} << 20) + 3;
  CHECK(uniform_values(big, 7, -127, 127) == plain(big, 7, -127, 127));
}
