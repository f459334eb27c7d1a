#!/usr/bin/python3
"""Runs a workload with --cpu native and --cpu rv32 and checks that the device
saw the same work: every layer's cycles, compute and DMA cycles and DRAM bytes
identical, every output bit-exact (both runs pass against the golden
reference), and the RV32 core took exactly one Loom interrupt per layer.

usage: check_cpu_equivalence.py LOOMVP WORKLOAD"""
import json
import subprocess
import sys
import tempfile

FIELDS = ("cycles", "compute_cycles", "dma_cycles", "dram_bytes_read", "dram_bytes_written", "mismatches")


def run(loomvp, workload, cpu, directory):
    stats = f"{directory}/{cpu}.json"
    done = subprocess.run([loomvp, "run", "--workload", workload, "--cpu", cpu, "--quiet", "--stats", stats],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"--cpu {cpu}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    with open(stats) as f:
        return json.load(f)


def main():
    loomvp, workload = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as directory:
        native = run(loomvp, workload, "native", directory)
        rv32 = run(loomvp, workload, "rv32", directory)
    errors = []
    if len(native["layers"]) != len(rv32["layers"]):
        errors.append("layer counts differ")
    for a, b in zip(native["layers"], rv32["layers"]):
        for field in FIELDS:
            if a[field] != b[field]:
                errors.append(f"layer {a['name']}: {field} native {a[field]} rv32 {b[field]}")
    for stats, cpu in ((native, "native"), (rv32, "rv32")):
        if not stats["result"]["passed"]:
            errors.append(f"--cpu {cpu} did not pass")
    cpu = rv32["cpu"]
    layers = len(rv32["layers"])
    if cpu["model"] != "rv32" or native["cpu"]["model"] != "native":
        errors.append("cpu.model not reported")
    if cpu["interrupts_taken"] != layers:
        errors.append(f"rv32 took {cpu['interrupts_taken']} interrupts for {layers} layers")
    if not 0 < cpu["instructions_retired"] <= cpu["cycles"]:
        errors.append(f"instructions {cpu['instructions_retired']} vs cycles {cpu['cycles']}")
    if not 0 < cpu["wfi_ns"] < rv32["totals"]["simulated_time_ns"]:
        errors.append(f"wfi_ns {cpu['wfi_ns']} outside (0, simulated time)")
    if errors:
        sys.exit("\n".join(errors))
    print(f"{workload}: {layers} layers identical; rv32 {cpu['instructions_retired']} instructions, "
          f"{cpu['interrupts_taken']} interrupts, {cpu['wfi_ns']:.0f} ns in wfi")


if __name__ == "__main__":
    main()
