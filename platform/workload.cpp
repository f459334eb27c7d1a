#include "workload.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "models/loom/bitplane.h"
#include "platform/input_checks.h"
#include "platform/npy.h"
#include "platform/paths.h"
#include "platform/user_error.h"

namespace loomvp {

using nlohmann::json;
namespace fs = std::filesystem;

std::string Shape::str() const {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

uint64_t WorkloadLayer::macs() const {
  return layer_macs(type, out_shape.elements(), in_shape.c / groups, kh, kw);
}

uint64_t WorkloadLayer::weight_elements() const {
  if (type != LayerType::Conv && type != LayerType::Fc) return 0;
  return uint64_t{out_shape.c} * (in_shape.c / groups) * kh * kw;
}

std::string workloads_dir() { return project_path("workloads"); }

std::vector<std::string> builtin_workloads() {
  std::vector<std::string> names;
  if (fs::is_directory(workloads_dir()))
    for (const auto& entry : fs::directory_iterator(workloads_dir()))
      if (fs::exists(entry.path() / "network.json")) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// Layer, tensor and built-in workload names: [A-Za-z0-9_][A-Za-z0-9_.-]*.
bool valid_name(const std::string& name) {
  const auto word_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (name.empty() || !word_char(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return word_char(c) || c == '.' || c == '-'; });
}

// z % span without a 64-bit division per element: q = mulhi(z, M) with
// M = floor((2^64 - 1) / span) is at most 2 below z / span, so the
// remainder z - q * span is brought below span by at most two subtractions.
class FastModulo {
 public:
  explicit FastModulo(uint64_t span) : span_(span), inverse_(span ? ~uint64_t{0} / span : 0) {}
  uint64_t operator()(uint64_t z) const {
    if (!span_) return z;  // the whole 64-bit range
    const uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(z) * inverse_) >> 64);
    uint64_t r = z - q * span_;
    while (r >= span_) r -= span_;
    return r;
  }

 private:
  uint64_t span_, inverse_;
};

// Elements [first, first + count) of the stream: splitmix64 is counter
// based (state_i = seed + (i + 1) * golden), so any slice starts directly.
template <typename T>
void fill_uniform_slice(T* out, uint64_t first, uint64_t count, uint64_t seed, int64_t low, const FastModulo& mod) {
  uint64_t state = seed + first * 0x9E3779B97F4A7C15ull;
  for (uint64_t i = 0; i < count; ++i) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    out[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + mod(z)));
  }
}

// The "uniform" initialiser (docs/workload-format.md 4.2), written straight
// into the element type so large weight tensors never exist as int64; a
// large tensor is generated in two halves on two threads.
template <typename T>
void fill_uniform(T* out, uint64_t count, uint64_t seed, int64_t low, int64_t high) {
  const FastModulo mod(static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1);  // span 0: all 2^64
  constexpr uint64_t kThreadedCount = uint64_t{1} << 20;
  if (count < kThreadedCount || std::thread::hardware_concurrency() < 2) {
    fill_uniform_slice(out, 0, count, seed, low, mod);
    return;
  }
  const uint64_t half = count / 2;
  std::thread second([=, &mod] { fill_uniform_slice(out + half, half, count - half, seed, low, mod); });
  fill_uniform_slice(out, 0, half, seed, low, mod);
  second.join();
}

}  // namespace

std::vector<int64_t> uniform_values(uint64_t count, uint64_t seed, int64_t low, int64_t high) {
  std::vector<int64_t> values(count);
  fill_uniform(values.data(), count, seed, low, high);
  return values;
}

namespace {

// Reads one bundle, with every error naming the file and the JSON field.
class BundleReader {
 public:
  BundleReader(std::string file, std::string dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw UserError(file_, field, problem);
  }

  const json& need(const json& obj, const std::string& key, const std::string& field) const {
    if (!obj.is_object() || !obj.contains(key)) fail(field + key, "missing");
    return obj.at(key);
  }

  int64_t integer(const json& obj, const std::string& key, const std::string& field, int64_t lo,
                  int64_t hi, std::optional<int64_t> fallback = std::nullopt) const {
    if (!obj.contains(key)) {
      if (fallback) return *fallback;
      fail(field + key, "missing; allowed " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    const json& v = obj.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      fail(field + key, "is " + echo_json(v) + "; allowed integers " + std::to_string(lo) + ".." + std::to_string(hi));
    return v.get<int64_t>();
  }

  bool boolean(const json& obj, const std::string& key, const std::string& field, bool fallback) const {
    if (!obj.contains(key)) return fallback;
    if (!obj.at(key).is_boolean()) fail(field + key, "must be true or false");
    return obj.at(key).get<bool>();
  }

  std::string text(const json& obj, const std::string& key, const std::string& field) const {
    const json& v = need(obj, key, field);
    if (!v.is_string() || v.get<std::string>().empty()) fail(field + key, "must be a non-empty string");
    return v.get<std::string>();
  }

  // A [y, x] pair of small integers (kernel, stride, pad fit 8-bit register fields).
  void pair(const json& obj, const std::string& key, const std::string& field, uint32_t lo,
            uint32_t& y, uint32_t& x, std::optional<uint32_t> fallback) const {
    if (!obj.contains(key)) {
      if (!fallback) fail(field + key, "missing; expected [y, x]");
      y = x = *fallback;
      return;
    }
    const json& v = obj.at(key);
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer() ||
        v[0].get<int64_t>() < lo || v[0].get<int64_t>() > 255 || v[1].get<int64_t>() < lo ||
        v[1].get<int64_t>() > 255)
      fail(field + key, "is " + echo_json(v) + "; expected [y, x] with integers " + std::to_string(lo) + "..255");
    y = v[0].get<uint32_t>();
    x = v[1].get<uint32_t>();
  }

  // A tensor from {"file": ...} or {"uniform": {...}}: the description is
  // checked now; the returned function reads or generates the values and
  // checks them against the shape and value range. Nothing of the tensor's
  // size is allocated until it is called (after the limits are checked).
  template <typename T>
  std::function<std::vector<T>()> tensor(const json& obj, const std::string& key, const std::string& field,
                                         const std::vector<uint64_t>& shape, int64_t lo, int64_t hi,
                                         const std::string& range_text, bool flat_fc_ok = false) const {
    const json& src = need(obj, key, field);
    const std::string where = field + key;
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    if (src.is_object() && src.contains("file")) {
      only_keys(src, {"file"}, where + ".");
      if (!src.at("file").is_string()) fail(where + ".file", "must be a path string");
      const std::string relative = src.at("file").get<std::string>();
      const fs::path rel(relative);
      if (rel.is_absolute() || relative.find('\\') != std::string::npos ||
          std::any_of(rel.begin(), rel.end(), [](const fs::path& part) { return part == ".."; }))
        fail(where + ".file", "'" + echo(relative) + "' must be a relative path inside the bundle (no '..', no '\\')");
      const std::string path = (fs::path(dir_) / rel).string();
      inside_bundle(path, where + ".file");
      return [self = *this, path, where, shape, count, lo, hi, range_text, flat_fc_ok] {
        NpyArray array;
        try {
          array = read_npy(path);
        } catch (const UserError& e) {
          self.fail(where + ".file", e.what());
        }
        // The shape must match exactly; fc weights may also be [F, C*H*W].
        const bool flat_fc = flat_fc_ok && array.shape.size() == 2 &&
                             array.shape[0] == shape[0] && array.shape[1] == count / shape[0];
        if (array.shape != shape && !flat_fc)
          self.fail(where, path + " has shape " + shape_text(array.shape) + "; expected " + shape_text(shape));
        for (uint64_t i = 0; i < array.values.size(); ++i)
          if (array.values[i] < lo || array.values[i] > hi)
            self.fail(where, "element " + std::to_string(i) + " = " + std::to_string(array.values[i]) +
                                 " does not fit; allowed " + range_text);
        return std::vector<T>(array.values.begin(), array.values.end());
      };
    }
    if (src.is_object() && src.contains("uniform")) {
      const json& u = src.at("uniform");
      const std::string uf = where + ".uniform.";
      if (!u.is_object()) fail(where + ".uniform", "expected {\"seed\", \"low\", \"high\"}");
      only_keys(u, {"seed", "low", "high"}, where + ".uniform.");
      if (!u.contains("seed") || !(u.at("seed").is_number_unsigned() || (u.at("seed").is_number_integer() && u.at("seed").get<int64_t>() >= 0)))
        fail(uf + "seed", "missing or not an integer 0..2^64-1");
      const uint64_t seed = u.at("seed").get<uint64_t>();
      // low and high lie in [lo, hi], so every generated value fits.
      const int64_t low = integer(u, "low", uf, lo, hi), high = integer(u, "high", uf, low, hi);
      return [count, seed, low, high] {
        std::vector<T> values(count);
        fill_uniform(values.data(), count, seed, low, high);
        return values;
      };
    }
    fail(where, "expected {\"file\": \"x.npy\"} or {\"uniform\": {\"seed\", \"low\", \"high\"}}");
  }

  // Unknown keys are errors (docs/workload-format.md section 2): they are typos.
  void only_keys(const json& obj, std::initializer_list<const char*> allowed, const std::string& field) const {
    for (const auto& item : obj.items()) {
      bool known = false;
      std::string list;
      for (const char* key : allowed) {
        known = known || item.key() == key;
        list += (list.empty() ? "" : ", ") + std::string(key);
      }
      if (!known) fail(field + item.key(), "unknown key; allowed: " + list);
    }
  }

  void check_name(const std::string& name, const std::string& field) const {
    if (!valid_name(name))
      fail(field, "'" + echo(name) + "' is not a valid name; allowed: [A-Za-z0-9_][A-Za-z0-9_.-]*");
  }

  static std::string shape_text(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }

  const std::string& file() const { return file_; }

  // A symlink may point elsewhere inside the bundle, never out of it
  // (docs/workload-format.md section 1).
  void inside_bundle(const std::string& path, const std::string& field) const {
    std::error_code error;
    const fs::path real = fs::weakly_canonical(path, error), root = fs::weakly_canonical(dir_, error);
    if (error) fail(field, echo(path) + ": cannot resolve path: " + error.message());
    const auto mismatch = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (mismatch.first != root.end())
      fail(field, echo(path) + " resolves to " + echo(real.string()) + ", outside the bundle; symlinks must stay inside it");
  }

 private:
  std::string file_, dir_;
};

std::string range_text(uint32_t prec, bool is_signed) {
  return std::to_string(bitplane::min_value(prec, is_signed)) + ".." +
         std::to_string(bitplane::max_value(prec, is_signed)) + " (" + std::to_string(prec) + "-bit " +
         (is_signed ? "signed" : "unsigned") + ")";
}

struct TensorInfo {
  Shape shape;
  uint32_t prec;
  bool is_signed;
};

}  // namespace

namespace {
// "input_set": {"count": N, "images": [N, C, H, W] in the input's range, "labels": [N],
// "float_predictions": [N] (optional)}, docs/workload-format.md 3.1.
void read_input_set(const BundleReader& r, const json& j, Workload& w) {
  const std::string f = "input_set.";
  r.only_keys(j, {"count", "images", "labels", "float_predictions"}, f);
  InputSet& s = w.input_set;
  s.count = static_cast<uint32_t>(r.integer(j, "count", f, 1, 1000000));
  w.pending_tensors.push_back(
      [images = r.tensor<int32_t>(j, "images", f, {s.count, w.input_shape.c, w.input_shape.h, w.input_shape.w},
                                  bitplane::min_value(w.input_prec, w.input_signed),
                                  bitplane::max_value(w.input_prec, w.input_signed),
                                  range_text(w.input_prec, w.input_signed))](Workload& w) { w.input_set.images = images(); });
  w.pending_tensors.push_back([labels = r.tensor<int32_t>(j, "labels", f, {s.count}, 0, 65535, "0..65535")](
                                  Workload& w) { w.input_set.labels = labels(); });
  if (j.contains("float_predictions"))
    w.pending_tensors.push_back(
        [predictions = r.tensor<int32_t>(j, "float_predictions", f, {s.count}, 0, 65535, "0..65535")](Workload& w) {
          w.input_set.float_predictions = predictions();
        });
}

// A concat layer (docs/workload-format.md 5.3): its inputs are earlier conv, fc, pool or
// add outputs read by nothing else, of one H x W, precision and signedness, and every
// input but the last fills whole 16-channel bricks (the device writes whole bricks).
ConcatTensor read_concat(const BundleReader& r, const json& j, const std::string& f, const std::string& name,
                         Workload& w, const std::map<std::string, TensorInfo>& tensors, const json& layers) {
  ConcatTensor cat;
  cat.name = name;
  const json& ins = r.need(j, "inputs", f);
  if (!ins.is_array() || ins.size() < 2) r.fail(f + "inputs", "expected two or more tensor names");
  uint32_t channels = 0;
  for (size_t k = 0; k < ins.size(); ++k) {
    const std::string field = f + "inputs[" + std::to_string(k) + "]";
    size_t index = w.layers.size();
    for (size_t i = 0; i < w.layers.size(); ++i)
      if (ins[k].is_string() && w.layers[i].name == ins[k].get<std::string>()) index = i;
    if (index == w.layers.size() || w.layers[index].concat >= 0)
      r.fail(field, "is " + echo_json(ins[k]) + "; must name an earlier conv, fc, pool or add layer used once");
    WorkloadLayer& part = w.layers[index];
    for (const json& other : layers) {
      const bool reads = (other.contains("input") && other["input"] == part.name) ||
                         (other.contains("inputs") && other["inputs"].is_array() && other.value("type", json()) != "concat" &&
                          std::find(other["inputs"].begin(), other["inputs"].end(), part.name) != other["inputs"].end());
      if (reads) r.fail(field, "'" + part.name + "' is also read by another layer; a concatenated tensor may only feed its concat");
    }
    const TensorInfo& t = tensors.at(part.name);
    if (k == 0) {
      cat.shape = t.shape;
      cat.prec = t.prec;
      cat.is_signed = t.is_signed;
    } else if (t.shape.h != cat.shape.h || t.shape.w != cat.shape.w || t.prec != cat.prec ||
               t.is_signed != cat.is_signed) {
      r.fail(field, "'" + part.name + "' is " + t.shape.str() + " at " + std::to_string(t.prec) +
                        " bits; all inputs need the first's height, width, precision and signedness");
    }
    if (k + 1 < ins.size() && t.shape.c % 16)
      r.fail(field, "'" + part.name + "' has " + std::to_string(t.shape.c) +
                        " channels; all but the last input need a multiple of 16 (whole bricks)");
    part.concat = static_cast<int>(w.concats.size());
    part.out_c_offset = channels;
    channels += t.shape.c;
    cat.parts.push_back(index);
  }
  cat.shape.c = channels;
  return cat;
}

// A path is used as given; a plain name (no '/', no "..") is looked up in
// the workloads folder, so --workload cannot reach outside it by name.
std::string network_file(const std::string& name_or_dir) {
  std::error_code error;
  const fs::path in_dir = fs::path(name_or_dir) / "network.json";
  if (fs::is_directory(name_or_dir, error)) {
    if (fs::exists(in_dir, error)) return in_dir.string();
  } else if (fs::exists(name_or_dir, error)) {
    return name_or_dir;
  }
  const fs::path builtin = fs::path(workloads_dir()) / name_or_dir / "network.json";
  if (valid_name(name_or_dir) && name_or_dir.find("..") == std::string::npos && fs::exists(builtin, error))
    return builtin.string();
  std::string names;
  for (const auto& n : builtin_workloads()) names += (names.empty() ? "" : ", ") + n;
  throw UserError("--workload", echo(name_or_dir), "no such workload or bundle; built-in workloads: " + names);
}

// network.json parsed (regular file, depth-limited), with its header checked.
json parse_network(const BundleReader& r) {
  const json doc = parse_json_file(r.file());
  if (!doc.is_object()) r.fail("(top level)", "must be an object");
  if (!doc.contains("format") || doc["format"] != "loomvp-workload") r.fail("format", "must be \"loomvp-workload\"");
  const int64_t version = r.integer(doc, "version", "", 1, 2);
  if (version == 1)
    r.only_keys(doc, {"format", "version", "name", "description", "profile", "calibration", "input", "layers"}, "");
  else
    r.only_keys(doc, {"format", "version", "name", "description", "profile", "calibration", "input", "layers",
                      "notes", "input_set"}, "");
  return doc;
}

// The network input: shape and precision now, its values pending.
void parse_input(const BundleReader& r, const json& doc, Workload& w) {
  const json& input = r.need(doc, "input", "");
  r.only_keys(input, {"name", "shape", "prec", "signed", "data"}, "input.");
  w.input_name = r.text(input, "name", "input.");
  r.check_name(w.input_name, "input.name");
  const json& shape = r.need(input, "shape", "input.");
  if (!shape.is_array() || shape.size() != 3)
    r.fail("input.shape", "expected [C, H, W] with integers 1..65535");
  for (size_t i = 0; i < 3; ++i)
    if (!shape[i].is_number_integer() || shape[i].get<int64_t>() < 1 || shape[i].get<int64_t>() > 65535)
      r.fail("input.shape", "expected [C, H, W] with integers 1..65535");
  w.input_shape = {shape[0].get<uint32_t>(), shape[1].get<uint32_t>(), shape[2].get<uint32_t>()};
  w.input_prec = static_cast<uint32_t>(r.integer(input, "prec", "input.", 1, 16));
  w.input_signed = r.boolean(input, "signed", "input.", false);
  w.pending_tensors.push_back(
      [data = r.tensor<int32_t>(input, "data", "input.", {w.input_shape.c, w.input_shape.h, w.input_shape.w},
                                bitplane::min_value(w.input_prec, w.input_signed),
                                bitplane::max_value(w.input_prec, w.input_signed),
                                range_text(w.input_prec, w.input_signed))](Workload& w) { w.input = data(); });
  const json& data = input.at("data");  // checked by tensor() above
  if (data.contains("uniform")) {
    const json& u = data.at("uniform");
    w.input_uniform = UniformInit{u.at("seed").get<uint64_t>(), u.at("low").get<int64_t>(), u.at("high").get<int64_t>()};
  }
}

// One layer: its type, input(s), shape, precisions; tensors pending.
void parse_layer(const BundleReader& r, const json& layers, size_t i, std::map<std::string, TensorInfo>& tensors,
                 Workload& w) {
  const std::map<std::string, LayerType> types{{"conv", LayerType::Conv}, {"fc", LayerType::Fc},
                                               {"maxpool", LayerType::MaxPool}, {"avgpool", LayerType::AvgPool},
                                               {"add", LayerType::Add}};
  const json& j = layers[i];
  const std::string f = "layers[" + std::to_string(i) + "].";
  const size_t index = w.layers.size();  // pending tensors find their layer by index
  if (!j.is_object()) r.fail(f, "must be an object");
  WorkloadLayer L;
  L.name = r.text(j, "name", f);
  r.check_name(L.name, f + "name");
  if (tensors.count(L.name)) r.fail(f + "name", "'" + echo(L.name) + "' is already used by another tensor");
  const std::string type = r.text(j, "type", f);
  if (type == "concat" && w.version >= 2) {  // no device work: its parts write into it
    r.only_keys(j, {"name", "type", "inputs"}, f);
    w.concats.push_back(read_concat(r, j, f, L.name, w, tensors, layers));
    const ConcatTensor& cat = w.concats.back();
    tensors[cat.name] = {cat.shape, cat.prec, cat.is_signed};
    return;
  }
  if (!types.count(type))
    r.fail(f + "type", "'" + echo(type) + "' unknown; allowed: conv, fc, maxpool, avgpool, add" +
                           (w.version >= 2 ? ", concat" : " (concat needs version 2)"));
  L.type = types.at(type);
  switch (L.type) {
    case LayerType::Conv:
      r.only_keys(j, {"name", "type", "out_prec", "out_signed", "shift", "relu", "expected", "input", "pa",
                      "filters", "kernel", "stride", "pad", "groups", "pw", "weights", "bias"}, f);
      break;
    case LayerType::Fc:
      r.only_keys(j, {"name", "type", "out_prec", "out_signed", "shift", "relu", "expected", "input", "pa",
                      "outputs", "pw", "weights", "bias"}, f);
      break;
    case LayerType::MaxPool:
    case LayerType::AvgPool:
      r.only_keys(j, {"name", "type", "out_prec", "out_signed", "shift", "relu", "expected", "input", "pa",
                      "kernel", "stride", "pad"}, f);
      break;
    case LayerType::Add:
      r.only_keys(j, {"name", "type", "out_prec", "out_signed", "shift", "relu", "expected", "inputs"}, f);
      break;
  }

  const auto find_tensor = [&](const json& name, const std::string& field) -> const TensorInfo& {
    if (!name.is_string() || !tensors.count(name.get<std::string>()))
      r.fail(field, "is " + echo_json(name) + "; must name the input or an earlier layer");
    return tensors.at(name.get<std::string>());
  };
  if (L.type == LayerType::Add) {
    const json& ins = r.need(j, "inputs", f);
    if (!ins.is_array() || ins.size() != 2) r.fail(f + "inputs", "expected two tensor names");
    const TensorInfo& a = find_tensor(ins[0], f + "inputs[0]");
    const TensorInfo& b = find_tensor(ins[1], f + "inputs[1]");
    if (a.shape.c != b.shape.c || a.shape.h != b.shape.h || a.shape.w != b.shape.w)
      r.fail(f + "inputs", "shapes differ: " + a.shape.str() + " and " + b.shape.str());
    L.inputs = {ins[0].get<std::string>(), ins[1].get<std::string>()};
    L.in_shape = a.shape;
    L.pa = a.prec;
    L.in_signed = a.is_signed;
    L.pa2 = b.prec;
    L.in2_signed = b.is_signed;
  } else {
    const TensorInfo& a = find_tensor(r.need(j, "input", f), f + "input");
    L.inputs = {j.at("input").get<std::string>()};
    L.in_shape = a.shape;
    L.pa = a.prec;
    L.in_signed = a.is_signed;
  }
  if (j.contains("pa") && r.integer(j, "pa", f, 1, 16) != L.pa)
    r.fail(f + "pa", "is " + echo_json(j["pa"]) + " but input '" + L.inputs[0] + "' is stored at " +
                         std::to_string(L.pa) + " bits; they must be equal");
  L.out_prec = static_cast<uint32_t>(r.integer(j, "out_prec", f, 1, 16));
  L.out_signed = r.boolean(j, "out_signed", f, false);
  L.relu = r.boolean(j, "relu", f, false);
  L.shift = static_cast<uint32_t>(r.integer(j, "shift", f, 0, 31, 0));

  const Shape& in = L.in_shape;
  Shape out = in;
  if (L.type == LayerType::Conv || L.type == LayerType::MaxPool || L.type == LayerType::AvgPool) {
    r.pair(j, "kernel", f, 1, L.kh, L.kw, std::nullopt);
    r.pair(j, "stride", f, 1, L.sy, L.sx, 1u);
    r.pair(j, "pad", f, 0, L.py, L.px, 0u);
    if (in.h + 2 * L.py < L.kh || in.w + 2 * L.px < L.kw)
      r.fail(f + "kernel", "larger than the padded input " + in.str());
    if (L.type != LayerType::Conv && (L.py >= L.kh || L.px >= L.kw))
      r.fail(f + "pad", "must be smaller than the pooling window");
    out.h = (in.h + 2 * L.py - L.kh) / L.sy + 1;
    out.w = (in.w + 2 * L.px - L.kw) / L.sx + 1;
  }
  if (L.type == LayerType::Conv || L.type == LayerType::Fc) {
    const bool conv = L.type == LayerType::Conv;
    out.c = static_cast<uint32_t>(r.integer(j, conv ? "filters" : "outputs", f, 1, 65535));
    if (conv) {
      L.groups = static_cast<uint32_t>(r.integer(j, "groups", f, 1, 65535, 1));
      if (in.c % L.groups || out.c % L.groups)
        r.fail(f + "groups", std::to_string(L.groups) + " must divide the input channels (" +
                                 std::to_string(in.c) + ") and filters (" + std::to_string(out.c) + ")");
    } else {
      L.kh = in.h;
      L.kw = in.w;
      out.h = out.w = 1;
    }
    L.pw = static_cast<uint32_t>(r.integer(j, "pw", f, 1, 16));
    const std::vector<uint64_t> wshape{out.c, in.c / L.groups, L.kh, L.kw};
    w.pending_tensors.push_back(
        [index, weights = r.tensor<int16_t>(j, "weights", f, wshape, bitplane::min_value(L.pw, true),
                                            bitplane::max_value(L.pw, true), range_text(L.pw, true), !conv)](
            Workload& w) { w.layers[index].weights = weights(); });
    if (j.contains("bias"))
      w.pending_tensors.push_back(
          [index, bias = r.tensor<int32_t>(j, "bias", f, {out.c}, INT32_MIN, INT32_MAX, "int32")](Workload& w) {
            w.layers[index].bias = bias();
          });
    else
      w.pending_tensors.push_back([index, count = out.c](Workload& w) { w.layers[index].bias.assign(count, 0); });
  }
  L.out_shape = out;
  if (j.contains("expected"))
    w.pending_tensors.push_back(
        [index, expected = r.tensor<int32_t>(j, "expected", f, {out.c, out.h, out.w},
                                             bitplane::min_value(L.out_prec, L.out_signed),
                                             bitplane::max_value(L.out_prec, L.out_signed),
                                             range_text(L.out_prec, L.out_signed))](Workload& w) {
          w.layers[index].expected = expected();
        });
  tensors[L.name] = {out, L.out_prec, L.out_signed};
  w.layers.push_back(std::move(L));
}

Workload read_network_checked(const std::string& name_or_dir) {
  const std::string file = network_file(name_or_dir);
  const BundleReader r(file, fs::path(file).parent_path().string());
  const json doc = parse_network(r);
  Workload w;
  w.version = doc.at("version").get<uint32_t>();
  if (doc.contains("notes")) {
    const json& notes = doc["notes"];
    if (!notes.is_array()) r.fail("notes", "must be a list of strings");
    for (size_t i = 0; i < notes.size(); ++i) {
      if (!notes[i].is_string()) r.fail("notes[" + std::to_string(i) + "]", "must be a string");
      w.notes.push_back(notes[i].get<std::string>());
    }
  }
  w.path = file;
  w.name = r.text(doc, "name", "");
  if (doc.contains("description") && !doc["description"].is_string()) r.fail("description", "must be a string");
  w.description = doc.contains("description") ? doc["description"].get<std::string>() : "";
  if (doc.contains("profile") && !doc["profile"].is_string()) r.fail("profile", "must be a string");
  w.profile = doc.contains("profile") ? doc["profile"].get<std::string>() : "";

  parse_input(r, doc, w);

  if (doc.contains("input_set")) read_input_set(r, doc["input_set"], w);

  std::map<std::string, TensorInfo> tensors{{w.input_name, {w.input_shape, w.input_prec, w.input_signed}}};
  const json& layers = r.need(doc, "layers", "");
  if (!layers.is_array() || layers.empty()) r.fail("layers", "must be a non-empty array");
  for (size_t i = 0; i < layers.size(); ++i) parse_layer(r, layers, i, tensors, w);
  return w;
}

}  // namespace

// Any JSON type surprise the checks above missed is still the bundle's fault.
Workload read_network(const std::string& name_or_dir) {
  try {
    return read_network_checked(name_or_dir);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(echo(name_or_dir), "", std::string("unexpected JSON value: ") + echo(e.what()));
  }
}

void check_layer_limits(const WorkloadLayer& L, const DeviceLimits& limits, const std::string& file,
                        const std::string& field) {
  const uint64_t elements = std::max({L.in_shape.elements(), L.out_shape.elements(), L.weight_elements()});
  if (elements > limits.max_tensor_elements)
    throw UserError(file, field, "a tensor of " + std::to_string(elements) +
                                     " elements exceeds loom.max_tensor_elements = " +
                                     std::to_string(limits.max_tensor_elements));
  if (L.macs() > limits.max_layer_macs)
    throw UserError(file, field, std::to_string(L.macs()) + " MACs exceed loom.max_layer_macs = " +
                                     std::to_string(limits.max_layer_macs));
}

void check_device_limits(const Workload& w, const DeviceLimits& limits) {
  if (w.input_shape.elements() > limits.max_tensor_elements)
    throw UserError(w.path, "input.shape", "a tensor of " + std::to_string(w.input_shape.elements()) +
                                               " elements exceeds loom.max_tensor_elements = " +
                                               std::to_string(limits.max_tensor_elements));
  for (size_t i = 0; i < w.layers.size(); ++i)
    check_layer_limits(w.layers[i], limits, w.path, "layers[" + std::to_string(i) + "] (" + w.layers[i].name + ")");
}

void read_tensors(Workload& w) {
  for (const auto& read : w.pending_tensors) read(w);
  w.pending_tensors.clear();
}

Workload load_workload(const std::string& name_or_dir, const DeviceLimits& limits) {
  Workload w = read_network(name_or_dir);
  check_device_limits(w, limits);
  read_tensors(w);
  return w;
}

}  // namespace loomvp
