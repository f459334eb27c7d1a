// The GDB remote-serial server against a fake DebugTarget: the packet reader
// alone, then whole conversations over a socketpair, the test playing gdb.
// Expected frames are built here by hand (checksum = byte sum mod 256).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <string>

#include "models/cpu/gdb_server.h"
#include "tests/support/fake_debug_target.h"

using namespace loomvp;

namespace {

using test::FakeTarget;

std::string frame(const std::string& payload) {
  unsigned sum = 0;
  for (unsigned char c : payload) sum += c;
  char tail[4];
  std::snprintf(tail, sizeof(tail), "#%02x", sum % 256);
  return "$" + payload + tail;
}

// The gdb side of a socketpair.
struct Client {
  int fd;
  void raw(const std::string& bytes) { REQUIRE(::send(fd, bytes.data(), bytes.size(), 0) == ssize_t(bytes.size())); }
  char read_char() {
    char c = 0;
    REQUIRE(::recv(fd, &c, 1, 0) == 1);  // 5 s receive timeout: a hang fails
    return c;
  }
  std::string read_packet() {
    char c;
    while ((c = read_char()) != '$') {
    }
    std::string payload;
    while ((c = read_char()) != '#') payload += c;
    std::string sum;
    sum += read_char();
    sum += read_char();
    CHECK(frame(payload) == "$" + payload + "#" + sum);
    raw("+");
    return payload;
  }
  std::string exchange(const std::string& payload) {
    raw(frame(payload));
    CHECK(read_char() == '+');
    return read_packet();
  }
};

struct Session {
  FakeTarget target;
  int fds[2];
  std::unique_ptr<GdbServer> server;
  Client gdb;
  Session() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    timeval timeout{5, 0};
    ::setsockopt(fds[1], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    server = std::make_unique<GdbServer>(GdbServer::over_socket(fds[0]));
    gdb.fd = fds[1];
  }
  ~Session() {
    ::close(fds[1]);
    server.reset();
  }
  std::future<ResumeMode> stop(StopReason reason) {
    return std::async(std::launch::async, [this, reason] { return server->on_stop(target, reason); });
  }
};

GdbPacketReader::Event feed_all(GdbPacketReader& reader, const std::string& bytes) {
  GdbPacketReader::Event last = GdbPacketReader::Event::None;
  for (unsigned char c : bytes) {
    const GdbPacketReader::Event e = reader.feed(c);
    if (e != GdbPacketReader::Event::None) last = e;
  }
  return last;
}

}  // namespace

TEST_CASE("GDB packet reader: good and bad checksums, Ctrl-C, acks, noise, oversize") {
  using Event = GdbPacketReader::Event;
  GdbPacketReader reader;
  CHECK(feed_all(reader, "xx$g#67") == Event::Packet);  // 'g' = 0x67
  CHECK(reader.payload() == "g");
  CHECK(feed_all(reader, "$m1000,4#8E") == Event::Packet);  // upper-case hex accepted
  CHECK(reader.payload() == "m1000,4");
  CHECK(feed_all(reader, "$g#66") == Event::BadChecksum);
  CHECK(feed_all(reader, "$g#zz") == Event::BadChecksum);
  CHECK(reader.feed(0x03) == Event::Interrupt);
  CHECK(reader.feed('+') == Event::Ack);
  CHECK(reader.feed('-') == Event::Nak);
  // A packet longer than the limit is refused whole, even with a right sum.
  const std::string huge(GdbPacketReader::kMaxPayload + 1, 'a');
  CHECK(feed_all(reader, frame(huge)) == Event::BadChecksum);
  const std::string largest(GdbPacketReader::kMaxPayload, 'a');
  CHECK(feed_all(reader, frame(largest)) == Event::Packet);
  CHECK(reader.payload().size() == GdbPacketReader::kMaxPayload);
}

TEST_CASE("GDB server reads and writes registers and memory of the target") {
  Session s;
  auto stopped = s.stop(StopReason::Breakpoint);
  CHECK(s.gdb.exchange("?") == "S05");
  // g: 33 registers, each little-endian: 0x01020300 + i -> "i0030201"
  const std::string regs = s.gdb.exchange("g");
  REQUIRE(regs.size() == 33 * 8);
  CHECK(regs.substr(0, 8) == "00030201");
  CHECK(regs.substr(32 * 8, 8) == "20030201");
  CHECK(s.gdb.exchange("p20") == "20030201");  // pc
  CHECK(s.gdb.exchange("p5") == "05030201");
  CHECK(s.gdb.exchange("p21") == "E01");  // no register 33
  CHECK(s.gdb.exchange("P5=efbeadde") == "OK");
  CHECK(s.target.regs[5] == 0xDEADBEEFu);
  CHECK(s.gdb.exchange("P5=efbead") == "E01");  // short value
  std::string all;
  for (unsigned i = 0; i < 33; ++i) all += "78563412";
  CHECK(s.gdb.exchange("G" + all) == "OK");
  CHECK(s.target.regs[0] == 0x12345678u);
  CHECK(s.target.regs[32] == 0x12345678u);
  CHECK(s.gdb.exchange("G1234") == "E01");
  // memory: bytes 0x1000.. hold their low address byte
  CHECK(s.gdb.exchange("m1002,4") == "02030405");
  CHECK(s.gdb.exchange("m100e,4") == "E01");  // runs off the mapped bytes
  CHECK(s.gdb.exchange("m1000,99999999") == "E01");
  CHECK(s.gdb.exchange("M1004,2:aabb") == "OK");
  CHECK(s.target.memory[0x1004] == 0xAA);
  CHECK(s.target.memory[0x1005] == 0xBB);
  CHECK(s.gdb.exchange("M1004,2:aa") == "E01");  // length disagrees with data
  // X: binary; '}' escapes the next byte xor 0x20 ('}' 0x03 -> 0x23 '#')
  CHECK(s.gdb.exchange(std::string("X1008,3:A}") + char(0x03) + "z") == "OK");
  CHECK(s.target.memory[0x1008] == 'A');
  CHECK(s.target.memory[0x1009] == '#');
  CHECK(s.target.memory[0x100A] == 'z');
  CHECK(s.gdb.exchange("X1008,0:") == "OK");  // gdb's probe for X support
  CHECK(s.gdb.exchange("vMustReplyEmpty") == "");
  s.gdb.raw(frame("D"));
  CHECK(s.gdb.read_char() == '+');
  CHECK(s.gdb.read_packet() == "OK");
  CHECK(stopped.get() == ResumeMode::Detach);
}

TEST_CASE("GDB server: breakpoints, continue, step, Ctrl-C, exit") {
  Session s;
  s.server->set_exit_status([] { return uint8_t(7); });
  auto stopped = s.stop(StopReason::Breakpoint);
  CHECK(s.gdb.exchange("Z0,1000,4") == "OK");
  CHECK(s.gdb.exchange("Z0,2000,4") == "OK");
  CHECK(s.gdb.exchange("z0,1000,4") == "OK");
  CHECK(s.target.breakpoints == std::set<uint64_t>{0x2000});
  CHECK(s.gdb.exchange("Z2,1000,4") == "");  // watchpoints: not supported
  s.gdb.raw(frame("c"));
  CHECK(s.gdb.read_char() == '+');
  CHECK(stopped.get() == ResumeMode::Continue);

  // The target hits the breakpoint: gdb gets the stop reply, then steps.
  stopped = s.stop(StopReason::Breakpoint);
  CHECK(s.gdb.read_packet() == "S05");
  s.gdb.raw(frame("s"));
  CHECK(s.gdb.read_char() == '+');
  CHECK(stopped.get() == ResumeMode::Step);

  stopped = s.stop(StopReason::Step);
  CHECK(s.gdb.read_packet() == "S05");
  s.gdb.raw(frame("c1040"));  // continue at an address
  CHECK(s.gdb.read_char() == '+');
  CHECK(stopped.get() == ResumeMode::Continue);
  CHECK(s.target.regs[32] == 0x1040u);

  // Ctrl-C while running: the CPU sees it at its next poll.
  CHECK_FALSE(s.server->stop_requested());
  s.gdb.raw(std::string(1, char(0x03)));
  bool requested = false;
  for (int i = 0; i < 1000 && !requested; ++i) {
    requested = s.server->stop_requested();
    if (!requested) ::usleep(1000);
  }
  CHECK(requested);
  stopped = s.stop(StopReason::Interrupt);
  CHECK(s.gdb.read_packet() == "S02");
  s.gdb.raw(frame("c"));
  CHECK(s.gdb.read_char() == '+');
  CHECK(stopped.get() == ResumeMode::Continue);
  CHECK_FALSE(s.server->stop_requested());

  stopped = s.stop(StopReason::Exited);
  CHECK(s.gdb.read_packet() == "W07");
  CHECK(stopped.get() == ResumeMode::Detach);
}

TEST_CASE("GDB server: a damaged packet is NAKed and gdb's resend is served, kill ends the program") {
  Session s;
  auto stopped = s.stop(StopReason::Breakpoint);
  s.gdb.raw("$g#00");
  CHECK(s.gdb.read_char() == '-');
  CHECK(s.gdb.exchange("p0") == "00030201");
  // The server resends its reply when gdb NAKs it.
  s.gdb.raw(frame("p1"));
  CHECK(s.gdb.read_char() == '+');
  char c;
  while ((c = s.gdb.read_char()) != '#') {
  }
  s.gdb.read_char();
  s.gdb.read_char();
  s.gdb.raw("-");
  CHECK(s.gdb.read_packet() == "01030201");
  const std::string supported = s.gdb.exchange("qSupported:multiprocess+;swbreak+");
  CHECK(supported.find("qXfer:features:read+") != std::string::npos);
  const std::string xml = s.gdb.exchange("qXfer:features:read:target.xml:0,fff");
  CHECK(xml[0] == 'l');
  CHECK(xml.find("<architecture>riscv:rv32</architecture>") != std::string::npos);
  CHECK(xml.find("name=\"pc\"") != std::string::npos);
  const std::string part = s.gdb.exchange("qXfer:features:read:target.xml:0,10");
  CHECK(part == "m" + xml.substr(1, 16));
  s.gdb.raw(frame("k"));
  CHECK(s.gdb.read_char() == '+');
  CHECK(stopped.get() == ResumeMode::Kill);
}

TEST_CASE("GDB server: no-ack mode, and a vanished gdb lets the program run on") {
  Session s;
  auto stopped = s.stop(StopReason::Breakpoint);
  CHECK(s.gdb.exchange("QStartNoAckMode") == "OK");
  s.gdb.raw(frame("p2"));  // no '+' from the server any more
  std::string reply;
  char c;
  while ((c = s.gdb.read_char()) != '$') {
  }
  while ((c = s.gdb.read_char()) != '#') reply += c;
  CHECK(reply == "02030201");
  ::shutdown(s.gdb.fd, SHUT_RDWR);
  CHECK(stopped.get() == ResumeMode::Detach);
  CHECK_FALSE(s.server->stop_requested());
}

TEST_CASE("GDB server listens on 127.0.0.1 and refuses a port in use with a clear message") {
  GdbServer first(0);
  CHECK(first.port() != 0);
  try {
    GdbServer second(first.port());
    FAIL("a second server on the same port");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) == 0);
  }
}

TEST_CASE("GDB commands answer packets without a socket: replies, resumes, no-ack, detach") {
  FakeTarget target;
  GdbCommands commands;
  // p20: pc (register 32 = 0x20) = 0x01020320, little-endian hex.
  CHECK(commands.handle(target, "p20").reply == "20030201");
  CHECK(commands.handle(target, "p21").reply == "E01");  // 33 registers: 0..0x20
  CHECK(commands.handle(target, "g").reply.size() == 33 * 8);
  CHECK(commands.handle(target, "m1000,3").reply == "000102");
  CHECK(commands.handle(target, "m1000,801").reply == "E01");  // more than kMaxPayload/2 bytes
  CHECK(commands.handle(target, "m0fff,2").reply == "E01");    // 0xfff is unmapped
  CHECK(commands.handle(target, "M100e,2:beef").reply == "OK");
  CHECK(target.memory[0x100e] == 0xbe);
  CHECK(target.memory[0x100f] == 0xef);
  CHECK(commands.handle(target, "Z0,ffffffffffffffff,4").reply == "OK");  // 16 digits: accepted
  CHECK(target.breakpoints.count(~uint64_t{0}) == 1);
  CHECK(commands.handle(target, "Z0,10000000000000000,4").reply == "E01");  // 17 digits: refused
  CHECK(commands.handle(target, "").reply.empty());
  CHECK(commands.handle(target, "?").reply == "S02");  // the initial stop reason: interrupt

  const GdbCommands::Answer step = commands.handle(target, "s");
  CHECK(step.resume);
  CHECK(step.mode == ResumeMode::Step);
  CHECK(step.reply.empty());
  const GdbCommands::Answer no_ack = commands.handle(target, "QStartNoAckMode");
  CHECK(no_ack.reply == "OK");
  CHECK(no_ack.no_ack_after_reply);
  CHECK_FALSE(no_ack.resume);
  const GdbCommands::Answer detach = commands.handle(target, "D");
  CHECK(detach.reply == "OK");
  CHECK(detach.mode == ResumeMode::Detach);
  CHECK_FALSE(detach.resume);

  commands.last_stop = StopReason::Exited;
  commands.exit_status = [] { return uint8_t(0x2a); };
  CHECK(commands.stop_reply() == "W2a");
  // target.xml in pieces: offset beyond the document is "l" (the end).
  const std::string first = commands.handle(target, "qXfer:features:read:target.xml:0,5").reply;
  CHECK(first == "m<?xml");
  CHECK(commands.handle(target, "qXfer:features:read:target.xml:100000,10").reply == "l");
}
