#!/usr/bin/python3
"""Plain-numpy integer reference of LoomVP's layer semantics and bundle runner.

Independent of the C++ simulator on purpose: it is the golden model the device
output must match bit for bit. All arithmetic is exact int64 (float64 matmul is
used only when every partial sum provably fits in 53 bits). The workload bundle
format is specified in docs/workload-format.md.

CLI: loomvp_ref.py BUNDLE_DIR_OR_JSON  -> runs the network, compares each layer
with its "expected" file; exit 0 all match, 1 mismatch, 2 bad bundle.
"""
import json
import os
import re
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loomvp_prng import uniform  # noqa: E402

TYPES = ("conv", "fc", "maxpool", "avgpool", "add", "concat")
VERSIONS = (1, 2)  # version 2 adds "concat" layers, "notes" and "input_set"
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")  # safe as a file name


class BundleError(ValueError):
    """A workload bundle violates docs/workload-format.md."""


# ---------------------------------------------------------------- layer math

def _matmul(a, b):
    """Exact int64 a @ b; float64 BLAS when |a|max*|b|max*K < 2^53 (fast, still exact)."""
    bound = int(np.abs(a).max(initial=0)) * int(np.abs(b).max(initial=0)) * a.shape[1]
    if bound < 2**53:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    return a @ b


def _windows(x, kernel, stride, pad, fill):
    """x[C][H][W] -> view [C][OH][OW][KH][KW] of padded windows."""
    (kh, kw), (sy, sx), (py, px) = kernel, stride, pad
    xp = np.pad(x, ((0, 0), (py, py), (px, px)), constant_values=fill)
    return sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sy, ::sx]


def out_hw(h, w, kernel, stride, pad):
    """Output map size for conv and pooling (floor, no ceil mode)."""
    return ((h + 2 * pad[0] - kernel[0]) // stride[0] + 1,
            (w + 2 * pad[1] - kernel[1]) // stride[1] + 1)


def conv_acc(x, w, b, stride=(1, 1), pad=(0, 0), groups=1):
    """x[C][H][W], w[F][C/g][KH][KW], b[F] -> int64 accumulators [F][OH][OW]."""
    x, w, b = (np.asarray(t, dtype=np.int64) for t in (x, w, b))
    f, cg, kh, kw = w.shape
    win = _windows(x, (kh, kw), stride, pad, 0)
    oh, ow = win.shape[1:3]
    fg = f // groups
    out = np.empty((f, oh * ow), dtype=np.int64)
    for g in range(groups):
        # im2col: rows (c', ky, kx) in the same order as w[f].ravel()
        cols = win[g * cg:(g + 1) * cg].transpose(0, 3, 4, 1, 2).reshape(cg * kh * kw, oh * ow)
        out[g * fg:(g + 1) * fg] = _matmul(w[g * fg:(g + 1) * fg].reshape(fg, -1), cols)
    return out.reshape(f, oh, ow) + b[:, None, None]


def fc_acc(x, w, b):
    """x[C][H][W], w[F][C][H][W] or [F][C*H*W], b[F] -> [F][1][1]."""
    x, w, b = (np.asarray(t, dtype=np.int64) for t in (x, w, b))
    w = w.reshape(w.shape[0], -1)
    return (_matmul(w, x.reshape(-1, 1))[:, 0] + b).reshape(-1, 1, 1)


def maxpool_acc(x, kernel, stride=(1, 1), pad=(0, 0)):
    """Max over the in-bounds part of each window (padding never wins)."""
    lowest = np.iinfo(np.int64).min
    return _windows(np.asarray(x, dtype=np.int64), kernel, stride, pad, lowest).max(axis=(3, 4))


def avgpool_acc(x, kernel, stride=(1, 1), pad=(0, 0)):
    """floor((2*s + n) / (2*n)): s = sum of in-bounds values, n = KH*KW (padding counts)."""
    s = _windows(np.asarray(x, dtype=np.int64), kernel, stride, pad, 0).sum(axis=(3, 4))
    n = kernel[0] * kernel[1]
    return (2 * s + n) // (2 * n)


def postprocess(acc, relu=False, shift=0, prec=16, signed=False):
    """ReLU, rounding right shift (half up, arithmetic), saturation to `prec` bits."""
    v = np.asarray(acc, dtype=np.int64)
    if relu:
        v = np.maximum(v, 0)
    if shift > 0:
        v = (v + (1 << (shift - 1))) >> shift
    lo, hi = (-(1 << (prec - 1)), (1 << (prec - 1)) - 1) if signed else (0, (1 << prec) - 1)
    return np.clip(v, lo, hi)


# ------------------------------------------------------------------- bundles

_COMMON = {"name", "type", "out_prec", "out_signed", "shift", "relu", "expected"}
_KEYS = {
    "conv": _COMMON | {"input", "filters", "kernel", "stride", "pad", "groups",
                       "pa", "pw", "weights", "bias"},
    "fc": _COMMON | {"input", "outputs", "pa", "pw", "weights", "bias"},
    "maxpool": _COMMON | {"input", "kernel", "stride", "pad", "pa"},
    "avgpool": _COMMON | {"input", "kernel", "stride", "pad", "pa"},
    "add": _COMMON | {"inputs"},
    "concat": {"name", "type", "inputs"},
}
_TOP_KEYS = {"format", "version", "name", "description", "profile", "calibration",
             "input", "layers"}
_TOP_KEYS_V2 = _TOP_KEYS | {"notes", "input_set"}
_INPUT_KEYS = {"name", "shape", "prec", "signed", "data"}


def _int(d, key, where, lo, hi, default=None):
    v = d.get(key, default)
    if v is None:
        raise BundleError(f"{where}.{key}: missing (integer {lo}..{hi} required)")
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise BundleError(f"{where}.{key}: {v!r} is not an integer in {lo}..{hi}")
    return v


def _bool(d, key, where, default=False):
    v = d.get(key, default)
    if not isinstance(v, bool):
        raise BundleError(f"{where}.{key}: {v!r} is not true/false")
    return v


def _pair(d, key, where, lo, default=None):
    v = d.get(key, default)
    if (not isinstance(v, list) or len(v) != 2
            or any(isinstance(e, bool) or not isinstance(e, int) or e < lo for e in v)):
        raise BundleError(f"{where}.{key}: {v!r} is not a list of two integers >= {lo}")
    return tuple(v)


def _check_keys(d, allowed, where):
    if not isinstance(d, dict):
        raise BundleError(f"{where}: must be a JSON object")
    extra = sorted(set(d) - allowed)
    if extra:
        raise BundleError(f"{where}: unknown key(s) {extra}; allowed: {sorted(allowed)}")


def _range_of(prec, signed):
    return (-(1 << (prec - 1)), (1 << (prec - 1)) - 1) if signed else (0, (1 << prec) - 1)


def load_tensor(src, shape, base, where, lo=None, hi=None, alt_shapes=()):
    """Resolve a tensor source ({"file"} or {"uniform"}) to an int64 array of `shape`."""
    if not isinstance(src, dict) or len(src) != 1 or next(iter(src)) not in ("file", "uniform"):
        raise BundleError(f"{where}: must be {{\"file\": ...}} or {{\"uniform\": {{...}}}}")
    if "uniform" in src:
        u = src["uniform"]
        uw = where + ".uniform"
        _check_keys(u, {"seed", "low", "high"}, uw)
        seed = _int(u, "seed", uw, 0, 2**64 - 1)
        low = _int(u, "low", uw, -2**63, 2**63 - 1)
        high = _int(u, "high", uw, low, 2**63 - 1)
        t = uniform(shape, seed, low, high)
    else:
        rel = src["file"]
        if (not isinstance(rel, str) or os.path.isabs(rel) or "\\" in rel
                or ".." in rel.split("/")):
            raise BundleError(f"{where}.file: {rel!r} must be a relative path inside the bundle")
        path = os.path.join(base, rel)
        try:
            t = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise BundleError(f"{where}.file: cannot read {path}: {e}") from None
        if t.dtype.kind not in "iu" or t.dtype.byteorder == ">":
            raise BundleError(f"{where}.file: {path}: dtype {t.dtype} is not a "
                              "little-endian integer type")
        if t.shape != tuple(shape) and t.shape not in alt_shapes:
            raise BundleError(f"{where}.file: {path}: shape {list(t.shape)}, "
                              f"expected {list(shape)}")
        t = t.astype(np.int64).reshape(shape)
    if lo is not None and t.size and (t.min() < lo or t.max() > hi):
        raise BundleError(f"{where}: values {t.min()}..{t.max()} outside [{lo}, {hi}]")
    return t


def load_network(bundle):
    """Path to a bundle directory or its network.json -> (net dict, bundle dir)."""
    path = os.path.join(bundle, "network.json") if os.path.isdir(bundle) else bundle
    try:
        with open(path) as f:
            net = json.load(f)
    except (OSError, ValueError) as e:
        raise BundleError(f"{path}: {e}") from None
    if not isinstance(net, dict) or net.get("format") != "loomvp-workload" \
            or net.get("version") not in VERSIONS:
        raise BundleError(f"{path}: format/version must be \"loomvp-workload\" / 1 or 2")
    _check_keys(net, _TOP_KEYS_V2 if net["version"] >= 2 else _TOP_KEYS, "network")
    return net, os.path.dirname(os.path.abspath(path))


def run_network(bundle, layer_hook=None):
    """Run a bundle; returns {tensor name: int64 array} for the input and every layer.

    layer_hook(layer, out, tensors), if given, is called after each layer.
    """
    net, base = load_network(bundle)
    inp = net.get("input")
    _check_keys(inp, _INPUT_KEYS, "input")
    name = inp.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise BundleError(f"input.name: {name!r} is not a name ([A-Za-z0-9_][A-Za-z0-9_.-]*)")
    shape = inp.get("shape")
    if (not isinstance(shape, list) or len(shape) != 3
            or any(isinstance(e, bool) or not isinstance(e, int) or e < 1 for e in shape)):
        raise BundleError(f"input.shape: {shape!r} is not [C, H, W] of positive integers")
    prec = _int(inp, "prec", "input", 1, 16)
    signed = _bool(inp, "signed", "input")
    tensors = {name: load_tensor(inp.get("data"), shape, base, "input.data",
                                 *_range_of(prec, signed))}
    meta = {name: (prec, signed)}  # stored precision and signedness per tensor

    layers = net.get("layers")
    if not isinstance(layers, list) or not layers:
        raise BundleError("layers: must be a non-empty list")
    for i, L in enumerate(layers):
        where = f"layers[{i}]"
        if not isinstance(L, dict) or not isinstance(L.get("name"), str) \
                or not NAME_RE.match(L["name"]):
            raise BundleError(f"{where}.name: missing or not a name ([A-Za-z0-9_][A-Za-z0-9_.-]*)")
        where = f"layers[{i}] ({L['name']})"
        typ = L.get("type")
        if typ not in TYPES:
            raise BundleError(f"{where}.type: {typ!r} is not one of {list(TYPES)}")
        _check_keys(L, _KEYS[typ], where)
        if L["name"] in tensors:
            raise BundleError(f"{where}.name: tensor name already used")
        if typ == "concat":
            if net["version"] < 2:
                raise BundleError(f"{where}.type: concat needs format version 2")
            out, meta[L["name"]] = _concat(L, where, layers, tensors, meta, name)
            tensors[L["name"]] = out
            if layer_hook:
                layer_hook(L, out, tensors)
            continue
        out_prec = _int(L, "out_prec", where, 1, 16)
        out_signed = _bool(L, "out_signed", where)
        shift = _int(L, "shift", where, 0, 31, 0)
        relu = _bool(L, "relu", where)

        srcs = L.get("inputs") if typ == "add" else [L.get("input")]
        if typ == "add" and (not isinstance(srcs, list) or len(srcs) != 2):
            raise BundleError(f"{where}.inputs: must list two tensor names")
        for s in srcs:
            if s not in tensors:
                raise BundleError(f"{where}: input {s!r} is not the network input "
                                  "or an earlier layer")
        x = tensors[srcs[0]]
        if "pa" in L and _int(L, "pa", where, 1, 16) != meta[srcs[0]][0]:
            raise BundleError(f"{where}.pa: {L['pa']} differs from the stored precision "
                              f"{meta[srcs[0]][0]} of input {srcs[0]!r}")

        if typ in ("conv", "fc"):
            pw = _int(L, "pw", where, 1, 16)
            c, h, w = x.shape
            if typ == "conv":
                f = _int(L, "filters", where, 1, 2**31 - 1)
                kernel = _pair(L, "kernel", where, 1)
                stride = _pair(L, "stride", where, 1, [1, 1])
                pad = _pair(L, "pad", where, 0, [0, 0])
                groups = _int(L, "groups", where, 1, 2**31 - 1, 1)
                if c % groups or f % groups:
                    raise BundleError(f"{where}.groups: {groups} does not divide "
                                      f"channels {c} and filters {f}")
                if h + 2 * pad[0] < kernel[0] or w + 2 * pad[1] < kernel[1]:
                    raise BundleError(f"{where}.kernel: {list(kernel)} larger than the "
                                      f"padded {h}x{w} input")
                wshape, alt = (f, c // groups) + kernel, ()
            else:
                f = _int(L, "outputs", where, 1, 2**31 - 1)
                wshape, alt = (f, c, h, w), ((f, c * h * w),)
            wt = load_tensor(L.get("weights"), wshape, base, where + ".weights",
                             *_range_of(pw, True), alt_shapes=alt)
            b = (np.zeros(f, dtype=np.int64) if "bias" not in L else
                 load_tensor(L["bias"], (f,), base, where + ".bias", -2**31, 2**31 - 1))
            acc = (conv_acc(x, wt, b, stride, pad, groups) if typ == "conv"
                   else fc_acc(x, wt, b))
        elif typ in ("maxpool", "avgpool"):
            kernel = _pair(L, "kernel", where, 1)
            stride = _pair(L, "stride", where, 1, [1, 1])
            pad = _pair(L, "pad", where, 0, [0, 0])
            if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
                raise BundleError(f"{where}.pad: {list(pad)} must be smaller than the "
                                  f"kernel {list(kernel)}")
            if x.shape[1] + 2 * pad[0] < kernel[0] or x.shape[2] + 2 * pad[1] < kernel[1]:
                raise BundleError(f"{where}.kernel: {list(kernel)} larger than the "
                                  f"padded input {list(x.shape[1:])}")
            acc = (maxpool_acc if typ == "maxpool" else avgpool_acc)(x, kernel, stride, pad)
        else:
            y = tensors[srcs[1]]
            if x.shape != y.shape:
                raise BundleError(f"{where}.inputs: shapes {list(x.shape)} and "
                                  f"{list(y.shape)} differ")
            acc = x + y
        out = postprocess(acc, relu, shift, out_prec, out_signed)
        tensors[L["name"]] = out
        meta[L["name"]] = (out_prec, out_signed)
        if layer_hook:
            layer_hook(L, out, tensors)
    return tensors


def _concat(L, where, layers, tensors, meta, input_name):
    """Channel concatenation (docs/workload-format.md 5.3): the inputs are stored inside the
    concatenated tensor, so each is a layer output read by nothing else, all share H, W,
    precision and signedness, and every input but the last fills whole 16-channel bricks."""
    srcs = L.get("inputs")
    if not isinstance(srcs, list) or len(srcs) < 2 or len(set(map(str, srcs))) != len(srcs):
        raise BundleError(f"{where}.inputs: must list two or more distinct tensor names")
    for k, s in enumerate(srcs):
        if s not in tensors or s == input_name or any(
                M.get("name") == s and M.get("type") == "concat" for M in layers):
            raise BundleError(f"{where}.inputs[{k}]: {s!r} is not an earlier conv, fc, pool or "
                              "add layer")
        readers = [M.get("name") for M in layers if M is not L and
                   s in ([M.get("input")] + list(M.get("inputs") or []))]
        if readers:
            raise BundleError(f"{where}.inputs[{k}]: {s!r} is also read by {readers[:3]}; a "
                              "concatenated tensor may only feed its concat")
        x = tensors[s]
        if x.shape[1:] != tensors[srcs[0]].shape[1:] or meta[s] != meta[srcs[0]]:
            raise BundleError(f"{where}.inputs[{k}]: {s!r} is {list(x.shape)} at "
                              f"{meta[s]} (precision, signed); {srcs[0]!r} is "
                              f"{list(tensors[srcs[0]].shape)} at {meta[srcs[0]]}")
        if k + 1 < len(srcs) and x.shape[0] % 16:
            raise BundleError(f"{where}.inputs[{k}]: {s!r} has {x.shape[0]} channels; all "
                              "but the last input need a multiple of 16 (whole bricks)")
    return np.concatenate([tensors[s] for s in srcs]), meta[srcs[0]]


def check_expected(bundle):
    """Run the bundle and compare with its expected files -> list of (layer, ok or None)."""
    net, base = load_network(bundle)
    results = []

    def hook(L, out, _):
        if "expected" not in L:
            results.append((L["name"], None))
            return
        exp = load_tensor(L["expected"], out.shape, base, f"{L['name']}.expected")
        results.append((L["name"], bool(np.array_equal(exp, out))))

    run_network(bundle, hook)
    return results


def main(argv):
    if len(argv) != 1:
        print("usage: loomvp_ref.py BUNDLE_DIR_OR_JSON", file=sys.stderr)
        return 2
    try:
        results = check_expected(argv[0])
    except BundleError as e:
        print(f"loomvp_ref: {e}", file=sys.stderr)
        return 2
    for name, ok in results:
        print(f"{name:12s} {'no expected' if ok is None else 'match' if ok else 'MISMATCH'}")
    return 0 if all(ok is not False for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
