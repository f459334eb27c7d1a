#!/usr/bin/python3
"""Checks --trace and --vcd (docs/stats-format.md section 4).

usage: check_trace.py LOOMVP WORKLOAD [loomvp run options...]

Runs the workload with --trace, --vcd and --stats, and once more with --stats
only, then checks, from the files alone:
- the trace is JSON with a traceEvents array of X/B/E/i/C/M events whose ts/dur
  are numbers and pid/tid integers; B/E events nest per (pid, tid) track;
- every layer that ran has one X event on the Loom layers track, named after
  it, whose duration is its `cycles` x the clock period, so they sum to
  totals.cycles x period; interrupts ('i') match the VCD's irq rising edges;
  the DMA bandwidth counter is never negative and some DMA moved bytes;
- the CPU track: native runs nest "wait for interrupt" in "driver"; RV32
  runs' "wfi" spans add up to cpu.wfi_ns;
- the VCD, read by the small parser below (header, $var, $dumpvars, value
  changes): busy is high for exactly totals.cycles x period, dma_active for
  at most sum(dma_cycles) x period and more than sum(dma_cycles - 1) x period;
- tracing changes nothing: the stats equal those of the untraced run (host excepted).
"""
import json
import os
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def run(loomvp, args):
    proc = subprocess.run([loomvp, "run", "--quiet"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600)
    if proc.returncode not in (0, 1):
        fail(f"loomvp {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.returncode


def ps(us):
    """Trace-event microseconds (6 decimals: whole picoseconds) as integer picoseconds."""
    return round(us * 1e6)


def parse_vcd(path):
    """{signal name: [(time, value), ...]} and the timescale in ps; a tiny VCD reader for this test."""
    units = {"s": 10**12, "ms": 10**9, "us": 10**6, "ns": 10**3, "ps": 1}
    with open(path) as f:
        tokens = f.read().split()
    names, changes, scale, time, i = {}, {}, None, 0, 0
    while i < len(tokens):
        t = tokens[i]
        if t == "$timescale":
            text = "".join(tokens[i + 1:tokens.index("$end", i)])
            number = "".join(c for c in text if c.isdigit())
            scale = int(number) * units[text[len(number):]]
            i = tokens.index("$end", i) + 1
        elif t == "$var":  # $var wire 1 ID NAME $end
            names[tokens[i + 3]] = tokens[i + 4]
            changes[tokens[i + 4]] = []
            i = tokens.index("$end", i) + 1
        elif t in ("$date", "$version", "$comment", "$scope", "$upscope", "$enddefinitions"):
            i = tokens.index("$end", i) + 1
        elif t in ("$dumpvars", "$end"):
            i += 1
        elif t.startswith("#"):
            time = int(t[1:])
            i += 1
        elif t[0] in "01xz" and t[1:] in names:
            changes[names[t[1:]]].append((time * scale, t[0]))
            i += 1
        else:
            fail(f"VCD token {t!r} not understood")
    if scale is None:
        fail("VCD has no $timescale")
    return changes


def high_time(changes, end):
    total, since = 0, None
    for time, value in changes + [(end, "0")]:
        if value == "1" and since is None:
            since = time
        elif value != "1" and since is not None:
            total += time - since
            since = None
    return total


def rising_edges(changes):
    edges, last = 0, "0"
    for _, value in changes:
        edges += value == "1" and last != "1"
        last = value
    return edges


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    loomvp, workload, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as d:
        traced = run(loomvp, ["--workload", workload, "--trace", f"{d}/t.json", "--vcd", f"{d}/t.vcd",
                              "--stats", f"{d}/a.json"] + extra)
        plain = run(loomvp, ["--workload", workload, "--stats", f"{d}/b.json"] + extra)
        with open(f"{d}/t.json") as f:
            trace = json.load(f)
        with open(f"{d}/a.json") as f:
            stats = json.load(f)
        with open(f"{d}/b.json") as f:
            untraced = json.load(f)
        vcd = parse_vcd(f"{d}/t.vcd")
    del stats["host"], untraced["host"]
    if traced != plain or stats != untraced:
        fail("the traced run's stats differ from the untraced run's")

    period_ps = round(1e6 / stats["platform"]["loom"]["clock_mhz"])
    events = trace["traceEvents"]
    stacks = {}
    for e in events:
        if e["ph"] not in "XBEiCM" or not isinstance(e["pid"], int) or not isinstance(e.get("tid", 0), int):
            fail(f"bad event {e}")
        if e["ph"] != "M" and not isinstance(e["ts"], (int, float)):
            fail(f"event without a numeric ts: {e}")
        track = stacks.setdefault((e["pid"], e.get("tid")), [])
        if e["ph"] == "B":
            track.append(e)
        elif e["ph"] == "E":
            if not track or track[-1]["name"] != e["name"] or e["ts"] < track[-1]["ts"]:
                fail(f"E event {e} does not close the innermost open B on its track")
            track.pop()
    if any(stacks.values()):
        fail(f"B events never closed: {[s for s in stacks.values() if s]}")

    names = {e["args"]["name"]: (e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    layer_track = names["layers"]
    spans = [e for e in events if e["ph"] == "X" and (e["pid"], e["tid"]) == layer_track]
    started = [layer for layer in stats["layers"] if layer["cycles"] > 0]
    if [e["name"] for e in spans] != [layer["name"] for layer in started]:
        fail(f"layer spans {[e['name'] for e in spans]} != layers that ran {[l['name'] for l in started]}")
    for e, layer in zip(spans, started):
        if ps(e["dur"]) != layer["cycles"] * period_ps:
            fail(f"layer {layer['name']}: span {ps(e['dur'])} ps, cycles x period {layer['cycles'] * period_ps} ps")
    total_ps = stats["totals"]["cycles"] * period_ps
    if sum(ps(e["dur"]) for e in spans) != total_ps:
        fail("the layer spans do not sum to totals.cycles x period")

    counters = [e for e in events if e["ph"] == "C"]
    if stats["totals"]["dram_bytes_read"] and (not counters or max(e["args"]["GB/s"] for e in counters) <= 0):
        fail("no positive DMA bandwidth counter although the layers read DRAM")
    if any(e["args"]["GB/s"] < 0 for e in counters):
        fail("a negative bandwidth sample")

    cpu = [e for e in events if (e["pid"], e.get("tid")) == names["driver"] and e["ph"] in "BE"]
    if stats["cpu"]["model"] == "rv32":
        begins = [e["ts"] for e in cpu if e["ph"] == "B" and e["name"] == "wfi"]
        ends = [e["ts"] for e in cpu if e["ph"] == "E" and e["name"] == "wfi"]
        wfi_ps = sum(ps(b2) - ps(b1) for b1, b2 in zip(begins, ends))
        if not begins or abs(wfi_ps - stats["cpu"]["wfi_ns"] * 1000) > 1:
            fail(f"wfi spans {wfi_ps} ps, cpu.wfi_ns {stats['cpu']['wfi_ns']}")
    elif [(e["ph"], e["name"]) for e in cpu[:2]] != [("B", "driver"), ("B", "wait for interrupt")]:
        fail(f"native CPU track does not start with driver > wait for interrupt: {cpu[:2]}")

    end_ps = round(stats["totals"]["simulated_time_ns"] * 1000)
    busy = high_time(vcd["busy"], end_ps)
    if busy != total_ps:
        fail(f"VCD busy high for {busy} ps, totals.cycles x period = {total_ps} ps")
    dma = high_time(vcd["dma_active"], end_ps)
    dma_max = sum(l["dma_cycles"] for l in started) * period_ps
    dma_min = sum(max(0, l["dma_cycles"] - 1) for l in started) * period_ps
    if not dma_min < dma <= dma_max and dma_max:
        fail(f"VCD dma_active high for {dma} ps, outside ({dma_min}, {dma_max}] from dma_cycles")
    irqs = sum(e["ph"] == "i" for e in events)
    if irqs < 1 or irqs != rising_edges(vcd["irq"]):
        fail(f"{irqs} interrupt instants, {rising_edges(vcd['irq'])} irq rising edges in the VCD")
    print(f"trace {workload}: {len(events)} events, {len(spans)} layer spans = {total_ps} ps = VCD busy; "
          f"dma_active {dma} ps; {irqs} interrupts")


if __name__ == "__main__":
    main()
