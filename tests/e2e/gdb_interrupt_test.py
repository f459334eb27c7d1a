#!/usr/bin/python3
"""The GDB server on a running program, speaking raw RSP as gdb does:
continue, Ctrl-C (0x03) stops the core with SIGINT (S02) inside main's loop,
the pc reads back, kill ends `loomvp exec` with exit code 1. Then a program
that ends through tohost with code 3: gdb gets the exit packet W03.

usage: gdb_interrupt_test.py LOOMVP FOREVER_ELF EXIT_CODE_ELF"""
import re
import socket
import subprocess
import sys
import time

PACKET = re.compile(rb"\$([^#]*)#[0-9a-f]{2}")


def frame(payload):
    return ("$%s#%02x" % (payload, sum(payload.encode()) % 256)).encode()


class Session:
    """`loomvp exec ELF --gdb 0` and a connection to it."""

    def __init__(self, loomvp, elf):
        self.proc = subprocess.Popen([loomvp, "exec", elf, "--gdb", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        match = re.fullmatch(r"loomvp: waiting for gdb on 127\.0\.0\.1:(\d+)\n", line)
        if not match:
            self.close()
            sys.exit(f"no port announced: {line!r}")
        self.sock = socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=30)
        self.received = b""

    def reply(self):
        while not PACKET.search(self.received):
            chunk = self.sock.recv(4096)
            if not chunk:
                sys.exit("connection closed")
            self.received += chunk
        found = PACKET.search(self.received)
        self.received = self.received[found.end():]
        self.sock.sendall(b"+")
        return found.group(1).decode()

    def command(self, payload):  # one at a time, as gdb does
        self.sock.sendall(frame(payload))
        return self.reply()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()


def interrupt_and_kill(loomvp, elf):
    session = Session(loomvp, elf)
    try:
        if session.command("?") != "S05":
            sys.exit("initial stop is not SIGTRAP")
        session.sock.sendall(frame("c"))
        time.sleep(0.3)  # let it run
        session.sock.sendall(b"\x03")
        if (stop := session.reply()) != "S02":
            sys.exit(f"Ctrl-C stop reply {stop!r}, expected S02")
        pc = int.from_bytes(bytes.fromhex(session.command("p20")), "little")
        nm = subprocess.run(["riscv64-unknown-elf-nm", elf], capture_output=True, text=True, check=True).stdout
        main_address = int(re.search(r"^([0-9a-f]+) T main$", nm, re.M).group(1), 16)
        if not main_address <= pc < main_address + 64:
            sys.exit(f"stopped at pc {pc:#x}, not in main's loop at {main_address:#x}")
        session.sock.sendall(frame("k"))
        code = session.proc.wait(timeout=30)
        out = session.proc.stdout.read()
        if code != 1 or "killed by the debugger" not in out:
            sys.exit(f"after kill: exit {code}, output {out!r}")
        print(f"Ctrl-C stopped the core at {pc:#x} in main; kill ended the run")
    finally:
        session.close()


def exit_reported(loomvp, elf):
    session = Session(loomvp, elf)
    try:
        replies = [session.command("?"), session.command("c")]
        if replies != ["S05", "W03"]:
            sys.exit(f"replies {replies}, expected ['S05', 'W03']")
        if session.proc.wait(timeout=30) != 1:
            sys.exit("exec of a failing program did not exit 1")
        print("exit through tohost reported to gdb as W03")
    finally:
        session.close()


if __name__ == "__main__":
    interrupt_and_kill(sys.argv[1], sys.argv[2])
    exit_reported(sys.argv[1], sys.argv[3])
