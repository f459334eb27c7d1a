// GDB remote serial protocol server: drives a DebugTarget for gdb(-multiarch)
// over TCP on 127.0.0.1. It implements DebugHook, so the CPU hands it control
// whenever it stops; it knows nothing of instruction decoding.
//
// Supported: ?, g/G, p/P, m/M/X, Z0/z0 (software breakpoints), c, s, k, D,
// Ctrl-C (0x03) while running, qSupported, qXfer:features:read (target.xml
// for riscv:rv32), QStartNoAckMode, and the thread queries gdb makes on
// connect. Anything else gets the empty reply ("not supported").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "models/cpu/debug_target.h"

namespace loomvp {

// Splits a byte stream into RSP packets, one byte at a time: no recursion, a
// bounded buffer, checksums verified. Pure, so it is unit-tested alone.
class GdbPacketReader {
 public:
  static constexpr size_t kMaxPayload = 4096;
  enum class Event {
    None,         // byte consumed, nothing complete yet
    Packet,       // payload() holds a packet with a good checksum
    BadChecksum,  // a packet arrived damaged (or too long): answer '-'
    Interrupt,    // 0x03 outside a packet
    Ack,          // '+'
    Nak,          // '-'
  };
  Event feed(uint8_t byte);
  const std::string& payload() const { return payload_; }

 private:
  enum class State { Idle, Data, Checksum1, Checksum2 };
  State state_ = State::Idle;
  std::string payload_;
  uint8_t sum_ = 0, received_sum_ = 0;
  bool overflow_ = false;
};

// Answers one RSP packet for a DebugTarget: the command dispatcher, apart
// from any socket, so the fuzz harness (tests/fuzz/fuzz_gdb.cpp) and unit
// tests call it directly. Every reply fits kMaxPayload and needs no escaping.
class GdbCommands {
 public:
  struct Answer {
    std::string reply;     // the payload to send (none when `resume`)
    bool resume = false;   // c, s, k: the target runs on (or is killed)
    ResumeMode mode = ResumeMode::Continue;  // how it resumes; Detach after 'D'
    bool no_ack_after_reply = false;         // QStartNoAckMode: no acks after this reply
  };
  Answer handle(DebugTarget& target, const std::string& packet);
  // The '?' reply (and the reply after a resume): S05/S02, or W<status>.
  std::string stop_reply() const;

  StopReason last_stop = StopReason::Interrupt;
  std::function<uint8_t()> exit_status;  // reported in the "W" packet

 private:
  std::string reply(DebugTarget& target, const std::string& packet, Answer& answer);
};

class GdbServer : public DebugHook {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port, see port()). Throws
  // std::runtime_error when the port cannot be opened.
  explicit GdbServer(uint16_t port);
  // Speaks over an already connected socket (unit tests use a socketpair).
  static GdbServer over_socket(int fd);
  ~GdbServer() override;
  GdbServer(GdbServer&& other) noexcept;
  GdbServer& operator=(GdbServer&&) = delete;

  uint16_t port() const { return port_; }
  // Blocks until gdb connects.
  void accept_client();
  // The exit status reported to gdb when the program ends ("W" packet).
  void set_exit_status(std::function<uint8_t()> status) { commands_.exit_status = std::move(status); }

  // The simulation ended without the CPU reporting it (a SYSCTRL exit stops
  // the kernel): tells a gdb still waiting ("W" packet) and disconnects.
  void finish(uint8_t exit_status);

  // DebugHook
  ResumeMode on_stop(DebugTarget& target, StopReason reason) override;
  bool stop_requested() override;

 private:
  GdbServer() = default;
  // Serves packets until one resumes the target; returns how.
  ResumeMode serve(DebugTarget& target);
  bool send_packet(const std::string& payload);
  bool read_byte(uint8_t& byte);  // blocking; false when gdb is gone
  void disconnect();

  int listen_fd_ = -1, fd_ = -1;
  uint16_t port_ = 0;
  GdbPacketReader reader_;
  GdbCommands commands_;
  bool no_ack_ = false;
  bool running_ = false;       // gdb is waiting for a stop reply
  bool interrupt_seen_ = false;
  bool first_stop_done_ = false;
};

}  // namespace loomvp
