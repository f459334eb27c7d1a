#include "gdb_server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace loomvp {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr int kSignalTrap = 5, kSignalInt = 2;
constexpr int kMaxResends = 8;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_hex_byte(std::string& out, uint8_t byte) {
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

// A register in target byte order (little endian), as g/p expect.
std::string register_hex(uint32_t value) {
  std::string out;
  for (int i = 0; i < 4; ++i) append_hex_byte(out, static_cast<uint8_t>(value >> (8 * i)));
  return out;
}

// Parses a hex number of at most 16 digits from text[pos...] up to a byte not
// in [0-9a-fA-F]; false when there is none or it is too long.
bool parse_hex(const std::string& text, size_t& pos, uint64_t& value) {
  const size_t start = pos;
  value = 0;
  while (pos < text.size() && hex_value(text[pos]) >= 0) {
    if (pos - start == 16) return false;
    value = value << 4 | static_cast<uint64_t>(hex_value(text[pos++]));
  }
  return pos > start;
}

bool expect(const std::string& text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// Decodes 2*n hex digits into n bytes.
bool hex_to_bytes(const std::string& text, size_t pos, size_t count, std::vector<uint8_t>& bytes) {
  if (text.size() - pos != 2 * count) return false;
  bytes.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const int hi = hex_value(text[pos + 2 * i]), lo = hex_value(text[pos + 2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Little-endian 32-bit register from 8 hex digits.
bool register_from_hex(const std::string& text, size_t pos, uint32_t& value) {
  std::vector<uint8_t> bytes;
  if (pos + 8 > text.size() || !hex_to_bytes(text.substr(pos, 8), 0, 4, bytes)) return false;
  value = bytes[0] | bytes[1] << 8 | bytes[2] << 16 | uint32_t(bytes[3]) << 24;
  return true;
}

const char kTargetXml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>riscv:rv32</architecture>\n"
    "<feature name=\"org.gnu.gdb.riscv.cpu\">\n"
    "<reg name=\"zero\" bitsize=\"32\" type=\"int\" regnum=\"0\"/>\n"
    "<reg name=\"ra\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"gp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"tp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"t0\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t1\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t2\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"fp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"s1\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a0\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a1\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a2\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a3\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a4\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a5\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a6\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"a7\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s2\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s3\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s4\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s5\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s6\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s7\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s8\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s9\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s10\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"s11\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t3\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t4\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t5\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"t6\" bitsize=\"32\" type=\"int\"/>\n"
    "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "</feature>\n"
    "</target>\n";

}  // namespace

GdbPacketReader::Event GdbPacketReader::feed(uint8_t byte) {
  switch (state_) {
    case State::Idle:
      if (byte == '$') {
        state_ = State::Data;
        payload_.clear();
        sum_ = 0;
        overflow_ = false;
        return Event::None;
      }
      if (byte == 0x03) return Event::Interrupt;
      if (byte == '+') return Event::Ack;
      if (byte == '-') return Event::Nak;
      return Event::None;  // noise between packets
    case State::Data:
      if (byte == '#') {
        state_ = State::Checksum1;
        return Event::None;
      }
      sum_ = static_cast<uint8_t>(sum_ + byte);
      if (payload_.size() < kMaxPayload)
        payload_ += static_cast<char>(byte);
      else
        overflow_ = true;
      return Event::None;
    case State::Checksum1: {
      const int v = hex_value(static_cast<char>(byte));
      received_sum_ = static_cast<uint8_t>((v < 0 ? 0 : v) << 4);
      overflow_ |= v < 0;
      state_ = State::Checksum2;
      return Event::None;
    }
    case State::Checksum2: {
      const int v = hex_value(static_cast<char>(byte));
      state_ = State::Idle;
      if (v < 0 || overflow_ || static_cast<uint8_t>(received_sum_ | v) != sum_) {
        payload_.clear();
        return Event::BadChecksum;
      }
      return Event::Packet;
    }
  }
  return Event::None;
}

GdbServer::GdbServer(uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("gdb server: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 1) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + reason);
  }
  socklen_t length = sizeof(address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

GdbServer GdbServer::over_socket(int fd) {
  GdbServer server;
  server.fd_ = fd;
  return server;
}

GdbServer::GdbServer(GdbServer&& other) noexcept
    : listen_fd_(other.listen_fd_), fd_(other.fd_), port_(other.port_), commands_(std::move(other.commands_)) {
  other.listen_fd_ = other.fd_ = -1;
}

GdbServer::~GdbServer() {
  disconnect();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void GdbServer::accept_client() {
  if (listen_fd_ < 0 || fd_ >= 0) return;
  do fd_ = ::accept(listen_fd_, nullptr, nullptr);
  while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) throw std::runtime_error(std::string("gdb server: accept: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void GdbServer::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool GdbServer::read_byte(uint8_t& byte) {
  if (fd_ < 0) return false;
  for (;;) {
    const ssize_t n = ::recv(fd_, &byte, 1, 0);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    disconnect();
    return false;
  }
}

bool GdbServer::send_packet(const std::string& payload) {
  std::string frame = "$";
  uint8_t sum = 0;
  for (char c : payload) {
    frame += c;
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  }
  frame += '#';
  append_hex_byte(frame, sum);
  for (int attempt = 0; attempt < kMaxResends; ++attempt) {
    if (fd_ < 0 || ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(frame.size())) {
      disconnect();
      return false;
    }
    if (no_ack_) return true;
    uint8_t byte;
    for (;;) {  // wait for the acknowledgement; a Ctrl-C meanwhile is kept
      if (!read_byte(byte)) return false;
      const GdbPacketReader::Event event = reader_.feed(byte);
      if (event == GdbPacketReader::Event::Ack) return true;
      if (event == GdbPacketReader::Event::Nak) break;
      if (event == GdbPacketReader::Event::Interrupt) interrupt_seen_ = true;
    }
  }
  return false;
}

bool GdbServer::stop_requested() {
  if (!first_stop_done_) return fd_ >= 0;  // stop before the first instruction
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  while (!interrupt_seen_ && ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
    uint8_t byte;
    if (::recv(fd_, &byte, 1, MSG_DONTWAIT) != 1) {
      disconnect();  // gdb went away: run on without it
      return false;
    }
    interrupt_seen_ |= reader_.feed(byte) == GdbPacketReader::Event::Interrupt;
  }
  return interrupt_seen_;
}

std::string GdbCommands::stop_reply() const {
  if (last_stop == StopReason::Exited) {
    std::string reply = "W";
    append_hex_byte(reply, exit_status ? exit_status() : 0);
    return reply;
  }
  std::string reply = "S";
  append_hex_byte(reply, last_stop == StopReason::Interrupt ? kSignalInt : kSignalTrap);
  return reply;
}

ResumeMode GdbServer::on_stop(DebugTarget& target, StopReason reason) {
  if (fd_ < 0) return ResumeMode::Continue;
  commands_.last_stop = reason;
  interrupt_seen_ = false;
  const bool initial = !first_stop_done_;
  first_stop_done_ = true;
  if (initial) commands_.last_stop = StopReason::Breakpoint;  // gdb asks with '?': SIGTRAP
  if (running_ && !send_packet(commands_.stop_reply())) return ResumeMode::Continue;
  running_ = false;
  if (reason == StopReason::Exited) {
    disconnect();
    return ResumeMode::Detach;
  }
  return serve(target);
}

void GdbServer::finish(uint8_t exit_status) {
  if (fd_ < 0) return;
  if (running_) {
    std::string reply = "W";
    append_hex_byte(reply, exit_status);
    send_packet(reply);
  }
  disconnect();
}

ResumeMode GdbServer::serve(DebugTarget& target) {
  uint8_t byte;
  while (read_byte(byte)) {
    switch (reader_.feed(byte)) {
      case GdbPacketReader::Event::BadChecksum:
        if (!no_ack_ && ::send(fd_, "-", 1, MSG_NOSIGNAL) != 1) disconnect();
        break;
      case GdbPacketReader::Event::Packet: {
        if (!no_ack_ && ::send(fd_, "+", 1, MSG_NOSIGNAL) != 1) {
          disconnect();
          break;
        }
        const GdbCommands::Answer answer = commands_.handle(target, reader_.payload());
        if (answer.resume) {
          if (answer.mode == ResumeMode::Kill) disconnect();
          running_ = answer.mode == ResumeMode::Continue || answer.mode == ResumeMode::Step;
          return answer.mode;
        }
        if (!send_packet(answer.reply)) break;
        no_ack_ |= answer.no_ack_after_reply;
        if (answer.mode == ResumeMode::Detach) {
          disconnect();
          return ResumeMode::Detach;
        }
        break;
      }
      default:
        break;  // acks, Ctrl-C while already stopped, noise
    }
  }
  return ResumeMode::Detach;  // gdb went away: the program runs on
}

GdbCommands::Answer GdbCommands::handle(DebugTarget& target, const std::string& packet) {
  Answer answer;
  answer.reply = reply(target, packet, answer);
  return answer;
}

std::string GdbCommands::reply(DebugTarget& target, const std::string& packet, Answer& answer) {
  const std::string kError = "E01";
  if (packet.empty()) return "";
  const char command = packet[0];
  size_t pos = 1;
  uint64_t a = 0, b = 0;
  switch (command) {
    case '?':
      return stop_reply();
    case 'g': {
      std::string out;
      for (unsigned i = 0; i < target.register_count(); ++i) out += register_hex(target.read_register(i));
      return out;
    }
    case 'G': {
      if (packet.size() != 1 + 8 * size_t(target.register_count())) return kError;
      for (unsigned i = 0; i < target.register_count(); ++i) {
        uint32_t value;
        if (!register_from_hex(packet, 1 + 8 * i, value)) return kError;
        target.write_register(i, value);
      }
      return "OK";
    }
    case 'p':
      if (!parse_hex(packet, pos, a) || pos != packet.size() || a >= target.register_count()) return kError;
      return register_hex(target.read_register(static_cast<unsigned>(a)));
    case 'P': {
      uint32_t value;
      if (!parse_hex(packet, pos, a) || !expect(packet, pos, '=') || a >= target.register_count() ||
          packet.size() != pos + 8 || !register_from_hex(packet, pos, value))
        return kError;
      target.write_register(static_cast<unsigned>(a), value);
      return "OK";
    }
    case 'm': {
      if (!parse_hex(packet, pos, a) || !expect(packet, pos, ',') || !parse_hex(packet, pos, b) ||
          pos != packet.size() || b > GdbPacketReader::kMaxPayload / 2)
        return kError;
      std::vector<uint8_t> bytes(b);
      if (!target.read_memory(a, bytes.data(), bytes.size())) return kError;
      std::string out;
      for (uint8_t byte : bytes) append_hex_byte(out, byte);
      return out;
    }
    case 'M':
    case 'X': {
      if (!parse_hex(packet, pos, a) || !expect(packet, pos, ',') || !parse_hex(packet, pos, b) ||
          !expect(packet, pos, ':') || b > GdbPacketReader::kMaxPayload)
        return kError;
      std::vector<uint8_t> bytes;
      if (command == 'M') {
        if (!hex_to_bytes(packet, pos, b, bytes)) return kError;
      } else {  // binary, '}' escapes the next byte xor 0x20
        for (; pos < packet.size(); ++pos) {
          uint8_t byte = static_cast<uint8_t>(packet[pos]);
          if (byte == '}') {
            if (++pos == packet.size()) return kError;
            byte = static_cast<uint8_t>(packet[pos]) ^ 0x20;
          }
          bytes.push_back(byte);
        }
        if (bytes.size() != b) return kError;
      }
      return bytes.empty() || target.write_memory(a, bytes.data(), bytes.size()) ? "OK" : kError;
    }
    case 'Z':
    case 'z': {
      if (packet.size() < 2 || packet[1] != '0') return "";  // only software breakpoints
      pos = 2;
      if (!expect(packet, pos, ',') || !parse_hex(packet, pos, a) || !expect(packet, pos, ',') ||
          !parse_hex(packet, pos, b))
        return kError;
      if (command == 'Z')
        target.insert_breakpoint(a);
      else
        target.remove_breakpoint(a);
      return "OK";
    }
    case 'c':
    case 's':
      if (pos < packet.size()) {  // resume at an address
        if (!parse_hex(packet, pos, a) || pos != packet.size()) return kError;
        target.write_register(target.register_count() - 1, static_cast<uint32_t>(a));
      }
      answer.resume = true;
      answer.mode = command == 'c' ? ResumeMode::Continue : ResumeMode::Step;
      return "";
    case 'k':
      answer.resume = true;
      answer.mode = ResumeMode::Kill;
      return "";
    case 'D':
      answer.mode = ResumeMode::Detach;
      return "OK";
    case 'H':
      return "OK";  // one thread
    case 'T':
      return "OK";
    default:
      break;
  }
  if (packet.rfind("qSupported", 0) == 0)
    return "PacketSize=" + std::to_string(GdbPacketReader::kMaxPayload) + ";qXfer:features:read+;QStartNoAckMode+";
  if (packet == "QStartNoAckMode") {
    answer.no_ack_after_reply = true;  // the OK itself is still acknowledged
    return "OK";
  }
  if (packet == "qAttached") return "1";
  if (packet == "qC") return "QC1";
  if (packet == "qfThreadInfo") return "m1";
  if (packet == "qsThreadInfo") return "l";
  const std::string xfer = "qXfer:features:read:target.xml:";
  if (packet.rfind(xfer, 0) == 0) {
    pos = xfer.size();
    if (!parse_hex(packet, pos, a) || !expect(packet, pos, ',') || !parse_hex(packet, pos, b) ||
        pos != packet.size())
      return kError;
    const std::string xml = kTargetXml;
    if (a >= xml.size()) return "l";
    const size_t length = std::min<uint64_t>({b, xml.size() - a, GdbPacketReader::kMaxPayload - 1});
    return (a + length >= xml.size() ? "l" : "m") + xml.substr(a, length);
  }
  return "";
}

}  // namespace loomvp
