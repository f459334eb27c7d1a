// Issue 7 regression tests: untrusted input (.npy files, JSON, names, output
// paths) ends in a UserError naming the file and field, never in a crash,
// a runaway allocation or a hang. Each case was a crash, a hang or a wrong
// exit code before the fix (docs/errors.md).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "platform/input_checks.h"
#include "platform/npy.h"
#include "platform/output_files.h"
#include "platform/user_error.h"
#include "platform/workload.h"
#include "tests/platform/test_helpers.h"

using namespace loomvp;
using Catch::Matchers::Contains;
using loomvp_test::TempDir;
using loomvp_test::write_npy;
using loomvp_test::write_npy_raw;
using loomvp_test::write_text;

namespace {

template <typename F>
std::string user_error_of(F&& body) {
  try {
    body();
  } catch (const UserError& e) {
    return e.what();
  }
  FAIL("expected a UserError");
  return "";
}

std::string npy_error(const std::string& bytes) {
  TempDir dir;
  write_text(dir / "x.npy", bytes);
  return user_error_of([&] { read_npy(dir / "x.npy"); });
}

std::string npy_v1(const std::string& header) {
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header;
}

}  // namespace

TEST_CASE("echo caps and sanitises what a message repeats", "[input]") {
  CHECK(echo("abc") == "abc");
  CHECK(echo(std::string("a\nb\x01", 4)) == "a?b?");
  const std::string long_text(30000, 'x');
  const std::string shown = echo(long_text);
  CHECK(shown.size() < kEchoMaxChars + 40);
  CHECK_THAT(shown, Contains("30000 characters"));
}

TEST_CASE("echo_json renders a deep value iteratively and bounded", "[input]") {
  CHECK(echo_json(nlohmann::json::parse(R"({"a": [1, "x", true], "b": {}})")) == R"({"a": [1, "x", true], "b": {}})");
  // 100000 levels: json::dump would overflow the stack.
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 100000; ++i) deep = nlohmann::json::array({std::move(deep)});
  const std::string shown = echo_json(deep);
  CHECK(shown.size() <= kEchoMaxChars + 3);
  CHECK(shown.substr(0, 3) == "[[[");
}

TEST_CASE("parse_json_file names the field of a number out of range", "[input]") {
  TempDir dir;
  write_text(dir / "a.json", R"({"layers": [{"pw": 2}, {"name": "x", "pw": 1e400}]})");
  const std::string msg = user_error_of([&] { parse_json_file(dir / "a.json"); });
  CHECK_THAT(msg, Contains("a.json: layers[1].pw: number out of range"));
}

TEST_CASE("parse_json_file refuses nesting beyond the limit without recursion", "[input]") {
  TempDir dir;
  write_text(dir / "a.json", "{\"k\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  const std::string msg = user_error_of([&] { parse_json_file(dir / "a.json"); });
  CHECK_THAT(msg, Contains("nested deeper than 64 levels"));
  CHECK_THAT(msg, Contains("a.json: k[0]"));
  CHECK(msg.size() < 600);
}

TEST_CASE("parse_json_file refuses a directory and a FIFO", "[input]") {
  TempDir dir;
  CHECK_THAT(user_error_of([&] { parse_json_file(dir.str()); }), Contains("is a directory"));
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK_THAT(user_error_of([&] { parse_json_file(dir / "fifo"); }), Contains("not a regular file"));
}

TEST_CASE("npy: a header length beyond the file is refused before allocating", "[npy]") {
  CHECK_THAT(npy_error(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12)), Contains("header length: 4294967295 bytes claimed"));
}

TEST_CASE("npy: a file cut inside the header length is refused", "[npy]") {
  CHECK_THAT(npy_error(std::string("\x93NUMPY\x02\x00\xff", 9)), Contains("file ends inside the header length"));
}

TEST_CASE("npy: a claimed shape larger than the data is refused before allocating", "[npy]") {
  // 2^31 elements of 8 bytes = 16 GiB claimed by a file of a few bytes.
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i8', 'fortran_order': False, 'shape': (32768, 65536), }\n") + "12345678"),
             Contains("claims 2147483648 elements"));
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (65536, 65536, 4), }\n")),
             Contains("shape: array too large"));
}

TEST_CASE("npy: shape numbers too large or negative are refused", "[npy]") {
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (99999999999999999999999, ), }\n")),
             Contains("shape: dimension too large"));
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (-3, 4), }\n")),
             Contains("shape: negative dimension"));
}

TEST_CASE("npy: a long header text is scanned without recursion", "[npy]") {
  const std::string header =
      "{'descr': '<i2', 'fortran_order': False, 'shape': (" + std::string(60000, ' ') + "1, ), }\n";
  TempDir dir;
  write_text(dir / "x.npy", npy_v1(header) + "ab");
  CHECK(read_npy(dir / "x.npy").values == std::vector<int64_t>{0x6261});  // 'a', 'b' little-endian
  CHECK_THAT(npy_error(npy_v1(header) + "abc"), Contains("shape: claims 1 elements (2 bytes) but the file holds 3"));
}

TEST_CASE("npy: versions other than 1.0, 2.0, 3.0 are refused", "[npy]") {
  TempDir dir;
  for (int version : {1, 2, 3}) {
    write_npy(dir / "x.npy", {2, 3}, {1, 2, 3, 4, 5, -6}, 2, true, version);
    CHECK(read_npy(dir / "x.npy").values == std::vector<int64_t>{1, 2, 3, 4, 5, -6});
  }
  std::string bytes(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }\n") + "ab");
  bytes[6] = 4;
  CHECK_THAT(npy_error(bytes), Contains("version: 4.0 unsupported"));
  bytes[6] = 0;
  CHECK_THAT(npy_error(bytes), Contains("version: 0.0 unsupported"));
}

TEST_CASE("npy: unknown header keys, Fortran order and trailing text are refused", "[npy]") {
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (1,), 'x': 1}\n") + "ab"),
             Contains("unknown header key"));
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': True, 'shape': (1,), }\n") + "ab"),
             Contains("fortran_order: must be False"));
  CHECK_THAT(npy_error(npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (1,), } x\n") + "ab"),
             Contains("text after the closing"));
  CHECK_THAT(npy_error(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n") + "abcd"),
             Contains("dtype"));
}

TEST_CASE("npy: a FIFO is refused instead of blocking", "[npy]") {
  TempDir dir;
  REQUIRE(::mkfifo((dir / "x.npy").c_str(), 0600) == 0);
  CHECK_THAT(user_error_of([&] { read_npy(dir / "x.npy"); }), Contains("not a regular file"));
}

TEST_CASE("check_writable refuses a missing directory and a directory", "[output]") {
  TempDir dir;
  CHECK_THAT(user_error_of([&] { check_writable("--csv", dir / "no/such/x.csv"); }), Contains("--csv"));
  CHECK_THAT(user_error_of([&] { check_writable("--csv", dir.str()); }), Contains("is a directory"));
  check_writable("--csv", dir / "x.csv");
  CHECK_FALSE(std::filesystem::exists(dir / "x.csv"));  // the probe leaves nothing behind
}

TEST_CASE("write_outputs writes all or nothing", "[output]") {
  TempDir dir;
  const std::string msg = user_error_of([&] {
    write_outputs({{"--stats", dir / "s.json", "{}\n"}, {"--csv", "/dev/full", "a,b\n"}});
  });
  CHECK_THAT(msg, Contains("--csv: /dev/full: cannot write"));
  CHECK_FALSE(std::filesystem::exists(dir / "s.json"));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 0);  // no temporaries left
  write_outputs({{"--stats", dir / "s.json", "{}\n"}, {"--csv", dir / "c.csv", "a,b\n"}});
  std::ifstream in(dir / "c.csv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "a,b");
}
