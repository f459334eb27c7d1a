// Fuzzes the GDB remote-serial side without a socket: bytes go through
// GdbPacketReader, each packet to GdbCommands (the dispatcher GdbServer
// uses) against a fake target. Byte 0 picks the mode:
//   even  the rest is the raw stream from gdb (checksums as given)
//   odd   the rest is packets separated by '\n', framed here with their
//         right checksums (so the fuzzer reaches the commands)
// Every reply must be sendable as it is: at most kMaxPayload bytes and none
// of the bytes RSP reserves ('$', '#', '}', '*'), which send_packet does not
// escape.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/cpu/gdb_server.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/fake_debug_target.h"

using namespace loomvp;

namespace {

void answer_packets(GdbPacketReader& reader, GdbCommands& commands, DebugTarget& target, const std::string& bytes) {
  for (unsigned char byte : bytes) {
    if (reader.feed(byte) != GdbPacketReader::Event::Packet) continue;
    const GdbCommands::Answer answer = commands.handle(target, reader.payload());
    if (answer.resume) {
      commands.last_stop = answer.mode == ResumeMode::Step ? StopReason::Step : StopReason::Breakpoint;
      continue;
    }
    const bool too_long = answer.reply.size() > GdbPacketReader::kMaxPayload;
    if (too_long || answer.reply.find_first_of("$#}*") != std::string::npos) {
      std::fprintf(stderr, "unsendable reply (%zu bytes) to a %zu-byte packet\n", answer.reply.size(),
                   reader.payload().size());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  test::FakeTarget target;
  GdbPacketReader reader;
  GdbCommands commands;
  commands.exit_status = [] { return uint8_t(0); };
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    answer_packets(reader, commands, target, rest);
    return 0;
  }
  std::string stream;
  for (size_t start = 0; start <= rest.size();) {
    size_t end = rest.find('\n', start);
    if (end == std::string::npos) end = rest.size();
    unsigned sum = 0;
    for (size_t i = start; i < end; ++i) sum += static_cast<unsigned char>(rest[i]);
    char tail[4];
    std::snprintf(tail, sizeof tail, "#%02x", sum % 256);
    stream += "$" + rest.substr(start, end - start) + tail;
    start = end + 1;
  }
  answer_packets(reader, commands, target, stream);
  return 0;
}
