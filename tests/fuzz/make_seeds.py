#!/usr/bin/python3
"""Writes the seed corpora of the `chain` and `gdb` fuzz harnesses (run once;
the output is committed). Chain seeds reuse the layers of the `registers`
seeds as descriptors (firmware/include/loom_regs.h word order); gdb seeds are
a session as gdb-multiarch opens it, in both harness modes.

usage: make_seeds.py   (from anywhere; writes tests/fuzz/corpus/{chain,gdb}/)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DESC_TAG = 0x4C440001
# Descriptor words 2.. are the registers LAYER_TYPE..OUT_ADDR, IN_C..OUT_C_TOTAL.
LAYER_OFFSETS = list(range(0x20, 0x38, 4)) + list(range(0x40, 0x70, 4))
CHAIN_OFFSET = 0x80000  # descriptors at DRAM + 512 KiB, above the seeds' tensors


def layer_registers(seed):
    data = open(os.path.join(HERE, "corpus", "registers", seed), "rb").read()
    regs = {}
    for i in range(0, len(data) - 4, 5):
        regs[data[i] * 4] = struct.unpack("<I", data[i + 1:i + 5])[0]
    return regs


def descriptor(regs, tag=DESC_TAG, flags=0):
    return struct.pack("<20I", tag, flags, *[regs.get(offset, 0) for offset in LAYER_OFFSETS])


def chain(count, ctrl, descriptors, offset=CHAIN_OFFSET):
    return struct.pack("<BBI", count, ctrl, offset) + b"".join(descriptors)


def gdb_frame(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) % 256)


def write(corpus, name, data):
    os.makedirs(os.path.join(HERE, "corpus", corpus), exist_ok=True)
    with open(os.path.join(HERE, "corpus", corpus, name), "wb") as f:
        f.write(data)


def main():
    conv, pool, add = (layer_registers(s) for s in ("conv", "maxpool", "add"))
    pool_after_conv = {**pool, 0x24: conv[0x34], 0x34: 0x80020000}
    write("chain", "conv", chain(1, 0, [descriptor(conv)]))
    write("chain", "conv-pool-per-layer-irq", chain(2, 1, [descriptor(conv), descriptor(pool_after_conv)]))
    write("chain", "fc-avgpool-add", chain(3, 0, [descriptor(layer_registers(s)) for s in ("fc", "avgpool", "add")]))
    write("chain", "count-0", chain(0, 0, [descriptor(conv)]))
    write("chain", "bad-tag-at-1", chain(2, 1, [descriptor(conv), descriptor(conv, tag=0x4C440002)]))
    write("chain", "flags-set", chain(1, 0, [descriptor(conv, flags=1)]))
    write("chain", "off-the-map", chain(1, 0, [], offset=0x7FF00000))
    write("chain", "precision-0-at-0", chain(2, 0, [descriptor(layer_registers("precision-0")), descriptor(conv)]))

    session = [b"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+",
               b"QStartNoAckMode", b"vMustReplyEmpty", b"Hg0", b"qXfer:features:read:target.xml:0,ffb",
               b"qTStatus", b"?", b"qfThreadInfo", b"qsThreadInfo", b"qAttached", b"Hc-1", b"qC", b"g",
               b"p20", b"m0,4", b"m80000000,40", b"Z0,100,4", b"c", b"z0,100,4", b"s"]
    write("gdb", "session-packets", b"\x01" + b"\n".join(session))
    write("gdb", "memory-packets", b"\x01" + b"\n".join(
        [b"M1000,4:01020304", b"X1004,3:a}\x03b", b"m1000,10", b"P5=78563412", b"G" + b"00" * 132, b"c1040", b"D"]))
    write("gdb", "session-stream", b"\x00" + b"".join(b"+" + gdb_frame(p) for p in session[:8]) + b"\x03+-" +
          gdb_frame(b"g")[:-1] + b"z" + gdb_frame(b"k"))


if __name__ == "__main__":
    main()
