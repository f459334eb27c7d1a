#!/usr/bin/python3
"""The GDB server on a running program, speaking raw RSP as gdb does:
continue, Ctrl-C (0x03) stops the core with SIGINT (S02) inside main's loop,
the pc reads back, kill ends `loomvp exec` with exit code 1.

usage: gdb_interrupt_test.py LOOMVP FOREVER_ELF"""
import re
import socket
import subprocess
import sys
import time


def frame(payload):
    return ("$%s#%02x" % (payload, sum(payload.encode()) % 256)).encode()


def main():
    loomvp, elf = sys.argv[1], sys.argv[2]
    proc = subprocess.Popen([loomvp, "exec", elf, "--gdb", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stderr.readline()
        match = re.fullmatch(r"loomvp: waiting for gdb on 127\.0\.0\.1:(\d+)\n", line)
        if not match:
            sys.exit(f"no port announced: {line!r}")
        sock = socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=30)
        received = b""

        def reply():
            nonlocal received
            while not re.search(rb"\$([^#]*)#[0-9a-f]{2}", received):
                chunk = sock.recv(4096)
                if not chunk:
                    sys.exit("connection closed")
                received += chunk
            found = re.search(rb"\$([^#]*)#[0-9a-f]{2}", received)
            received = received[found.end():]
            sock.sendall(b"+")
            return found.group(1).decode()

        sock.sendall(frame("?"))
        if reply() != "S05":
            sys.exit("initial stop is not SIGTRAP")
        sock.sendall(frame("c"))
        time.sleep(0.3)  # let it run
        sock.sendall(b"\x03")
        if (stop := reply()) != "S02":
            sys.exit(f"Ctrl-C stop reply {stop!r}, expected S02")
        sock.sendall(frame("p20"))
        pc_hex = reply()
        pc = int.from_bytes(bytes.fromhex(pc_hex), "little")
        nm = subprocess.run(["riscv64-unknown-elf-nm", elf], capture_output=True, text=True, check=True).stdout
        main_address = int(re.search(r"^([0-9a-f]+) T main$", nm, re.M).group(1), 16)
        if not main_address <= pc < main_address + 64:
            sys.exit(f"stopped at pc {pc:#x}, not in main's loop at {main_address:#x}")
        sock.sendall(frame("k"))
        code = proc.wait(timeout=30)
        out = proc.stdout.read()
        if code != 1 or "killed by the debugger" not in out:
            sys.exit(f"after kill: exit {code}, output {out!r}")
        print(f"Ctrl-C stopped the core at {pc:#x} in main; kill ended the run")
    finally:
        if proc.poll() is None:
            proc.kill()


if __name__ == "__main__":
    main()
