#include "junit.h"

#include <sstream>

#include "models/loom/layer_desc.h"

namespace loomvp {
namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 && c != '\n' ? '?' : c;
    }
  }
  return out;
}

// Why a layer check failed; empty when it passed.
std::string layer_failure(const LayerResult& l) {
  if (!l.ran)
    return l.record.error ? std::string("device error ") + error_name(l.record.error) : "layer did not run";
  if (l.mismatches) return std::to_string(l.mismatches) + " output values differ from the golden reference";
  if (l.expected_mismatches)
    return std::to_string(l.expected_mismatches) + " output values differ from the bundle's expected tensor";
  return "";
}

std::string firmware_failure(const RunResult& r) {
  if (!r.stop_reason.empty()) return r.stop_reason;
  if (!r.firmware_exited) return "the firmware did not finish";
  if (r.firmware_exit_code) return "the firmware exited with code " + std::to_string(r.firmware_exit_code);
  return "";
}

void test_case(std::ostream& out, const std::string& suite, const std::string& name, const std::string& failure) {
  out << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << xml_escape(name) << "\"";
  if (failure.empty()) {
    out << "/>\n";
    return;
  }
  out << ">\n      <failure message=\"" << xml_escape(failure) << "\"/>\n    </testcase>\n";
}

}  // namespace

std::string junit_xml(const RunResult& r) {
  const std::string suite = "loomvp." + r.workload->name + "." + engine_spec(r.platform.loom.engine).name;
  size_t failures = !firmware_failure(r).empty();
  for (const LayerResult& l : r.layers) failures += !layer_failure(l).empty();
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites>\n  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << r.layers.size() + 1
      << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  test_case(out, suite, "firmware", firmware_failure(r));
  for (const LayerResult& l : r.layers) test_case(out, suite, "layer " + l.layer->name, layer_failure(l));
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace loomvp
