"""Loom driven through its registers from Python (the `loomvp` module): one
layer, checked for the interrupt, the counters and the output against a
dot product computed here. One DeviceBench per process (SystemC elaborates
once), shared by the tests of this module in order."""
import pytest

import loomvp

R, B = loomvp.REG, loomvp.BITS
DRAM = 0x80000000
IN, WEIGHTS, BIAS, OUT = DRAM, DRAM + 0x1000, DRAM + 0x2000, DRAM + 0x3000
C, F, PA, PW, PO = 16, 4, 4, 4, 8
INPUT = [(c * 7 + 3) % 16 for c in range(C)]                    # unsigned 4-bit
WEIGHT_VALUES = [(i * i * 3 + i) % 13 - 6 for i in range(F * C)]  # signed 4-bit
BIAS_VALUES = [530, 160, 5, 100]


def expected_output():
    out = []
    for f in range(F):
        acc = BIAS_VALUES[f] + sum(WEIGHT_VALUES[f * C + c] * INPUT[c] for c in range(C))
        out.append(min(max(acc, 0), 255))  # ReLU, saturate at 8 unsigned bits
    return out


@pytest.fixture(scope="module")
def bench():
    return loomvp.DeviceBench(engine="lm1b")


def program(bench, prec):
    bench.load(IN, loomvp.pack_activations(INPUT, C, 1, 1, PA))
    bench.load(WEIGHTS, loomvp.pack_weights(WEIGHT_VALUES, F, C, 1, 1, PW))
    bench.load(BIAS, b"".join(v.to_bytes(4, "little", signed=True) for v in BIAS_VALUES))
    for reg, value in [("LAYER_TYPE", B["LAYER_CONV"]), ("IN_ADDR", IN), ("WEIGHT_ADDR", WEIGHTS),
                       ("BIAS_ADDR", BIAS), ("OUT_ADDR", OUT), ("IN_C", C), ("IN_H", 1), ("IN_W", 1),
                       ("OUT_C", F), ("KERNEL", 0x0101), ("STRIDE", 0x0101), ("PAD", 0), ("GROUPS", 1),
                       ("PREC", prec), ("QUANT", B["QUANT_RELU"]),
                       ("IRQ_MASK", B["IRQ_DONE"] | B["IRQ_ERROR"])]:
        bench.write(R[reg], value)


def test_identifies_itself(bench):
    assert bench.read(R["ID"]) == B["ID_VALUE"] == 0x4C4F4F4D
    assert bench.irq is False


def test_one_layer_interrupt_counters_output(bench):
    program(bench, PA | PW << 8 | PO << 16)
    assert bench.read(R["OUT_H"]) == 1 and bench.read(R["OUT_W"]) == 1
    assert bench.irq is False
    start = bench.now_ns
    bench.write(R["CTRL"], B["CTRL_IRQ_ENABLE"] | B["CTRL_START"])
    assert bench.read(R["STATUS"]) == B["STATUS_BUSY"]  # the layer is short: the register access ends before it
    assert bench.wait_irq(timeout_ns=100_000)
    elapsed_ns = bench.now_ns - start
    assert bench.read(R["IRQ_STATUS"]) == B["IRQ_DONE"]
    assert bench.read(R["STATUS"]) == B["STATUS_DONE"]
    bench.write(R["IRQ_STATUS"], B["IRQ_DONE"])  # write 1 to clear
    bench.advance(ns=10)
    assert bench.irq is False

    cycles = bench.read(R["CYCLES_LO"])
    compute = bench.read(R["COMPUTE_CYCLES_LO"])
    assert 0 < compute < cycles
    assert cycles <= elapsed_ns  # 1 ns clock; elapsed also counts register accesses
    assert bench.read(R["LAYERS_DONE"]) == 1
    assert bench.read(R["TILES"]) == 1
    # Bytes the DMA moved: every operand once, the output once.
    assert bench.read(R["DRAM_RD_BYTES_LO"]) == (loomvp.activation_bytes(C, 1, 1, PA)
                                                 + loomvp.weight_bytes(F, C, 1, 1, PW) + 4 * F)
    assert bench.read(R["DRAM_WR_BYTES_LO"]) == loomvp.activation_bytes(F, 1, 1, PO)

    out_bytes = bench.dump(OUT, loomvp.activation_bytes(F, 1, 1, PO))
    assert loomvp.unpack_activations(out_bytes, F, 1, 1, PO, False) == expected_output() == [255, 39, 72, 0]


def test_bad_precision_is_a_device_error(bench):
    program(bench, 17 | PW << 8 | PO << 16)  # PA 17: allowed 1..16
    bench.write(R["CTRL"], B["CTRL_IRQ_ENABLE"] | B["CTRL_START"])
    assert bench.wait_irq(timeout_ns=100_000)
    status = bench.read(R["STATUS"])
    assert status & B["STATUS_ERROR"]
    assert (status >> 8) & 0xFF == B["ERR_BAD_PRECISION"]
    assert bench.read(R["IRQ_STATUS"]) == B["IRQ_ERROR"]
    assert bench.read(R["LAYERS_DONE"]) == 1  # a failed layer is not counted


def test_second_bench_refused(bench):
    with pytest.raises(RuntimeError, match="one DeviceBench per process"):
        loomvp.DeviceBench()
