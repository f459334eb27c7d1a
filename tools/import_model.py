#!/usr/bin/python3
"""Import a CNN (an ONNX file, or a network of tools/networks.py by name) into a LoomVP
workload bundle (docs/workload-format.md) with integer weights and calibrated shifts.

  import_model.py --network NAME [--profile P] --out DIR
  import_model.py --onnx FILE.onnx [--pa 8 --pw 8] --out DIR

Torch models go through ONNX (torch.onnx.export), so there is one mapping:
Conv (grouped; BatchNormalization folded in), Gemm / MatMul (fc), Relu (fused into
its producer), MaxPool, AveragePool, GlobalAveragePool, Add (residual), Concat
(inception: the branches are written in place into the concatenated tensor), Flatten,
Reshape-to-2D, Dropout and Identity (no-ops). Any other op, or an attribute the device
cannot honour, is exit 2 naming the node and the op.

Quantization (docs/importer.md): every tensor t gets a real scale s_t (value = s_t *
integer). Scales come from calibration: the largest magnitude over the sample inputs
maps to the top code of the tensor's precision. A conv/fc realises any output scale
exactly through its weights, w_int = round(w * s_in * 2^shift / s_out), with the
largest shift for which the weights fit Pw bits; pools and adds keep their input
scale times 2^shift. Tensors that meet in an Add or a Concat share one scale.
"""
import argparse
import io
import json
import math
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loomvp_ref as ref  # noqa: E402
import networks  # noqa: E402

CALIBRATION_IMAGES = 4
CALIBRATION_PERCENTILE = 99.99  # of |values| over the calibration images: the top code
WEIGHT_NOISE_LIMIT = 1 / 32  # profiler: quantization noise RMS <= 1/32 of the weights' RMS


class ModelError(Exception):
    """The model cannot be mapped onto the device (exit 2)."""


# ------------------------------------------------------------------- ONNX -> ops

class Op:
    """One device layer: kind conv|fc|maxpool|avgpool|add|concat, float weights if any."""

    def __init__(self, kind, node, inputs, out, **attrs):
        self.kind, self.node, self.inputs, self.out = kind, node, list(inputs), out
        self.relu = False
        self.w = self.b = None
        self.kernel, self.stride, self.pad, self.groups = (1, 1), (1, 1), (0, 0), 1
        self.__dict__.update(attrs)


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _sym_pads(pads, node, where="pads"):
    if not pads:
        return (0, 0)
    if len(pads) != 4 or pads[0] != pads[2] or pads[1] != pads[3]:
        raise ModelError(f"node {node.name!r} ({node.op_type}): {where} {list(pads)} are not "
                         "symmetric; the device pads top=bottom and left=right")
    return (int(pads[0]), int(pads[1]))


def ops_from_onnx(model):
    """ONNX ModelProto -> (input name, input shape [C, H, W], ops in order, output name)."""
    from onnx import numpy_helper
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise ModelError(f"graph has {len(inputs)} non-constant inputs; exactly one image "
                         "input is supported")
    dims = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or min(dims[1:]) < 1:
        raise ModelError(f"input {inputs[0].name!r}: shape {dims} is not [N, C, H, W]")
    alias, ops, producer = {}, [], {}
    known = {inputs[0].name}

    def src(node, k):
        name = alias.get(node.input[k], node.input[k])
        if name not in known:
            raise ModelError(f"node {node.name!r} ({node.op_type}): input {node.input[k]!r} "
                             "is not produced by an earlier node")
        return name

    def const(node, k):
        if k >= len(node.input) or not node.input[k]:
            return None
        if node.input[k] not in consts:
            raise ModelError(f"node {node.name!r} ({node.op_type}): input {k} must be a "
                             "constant (initializer)")
        return consts[node.input[k]]

    def emit(op):
        ops.append(op)
        producer[op.out] = op
        known.add(op.out)

    for i, node in enumerate(g.node):
        if not node.name:
            node.name = f"{node.op_type}_{i}"
        t, a = node.op_type, _attrs(node)
        out = node.output[0] if node.output else None
        if t == "Constant":
            consts[out] = numpy_helper.to_array(a["value"]).astype(np.float64)
        elif t in ("Flatten", "Dropout", "Identity", "Reshape"):
            if t == "Reshape":
                shape = const(node, 1)
                if shape is None or len(shape) != 2:
                    raise ModelError(f"node {node.name!r} (Reshape): only flattening to "
                                     "[N, -1] is supported")
            alias[out] = src(node, 0)
        elif t == "Conv":
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise ModelError(f"node {node.name!r} (Conv): auto_pad is not supported")
            if any(d != 1 for d in a.get("dilations", [1, 1])):
                raise ModelError(f"node {node.name!r} (Conv): dilation is not supported")
            w = const(node, 1)
            if w is None or w.ndim != 4:
                raise ModelError(f"node {node.name!r} (Conv): weights must be a 4-D constant")
            b = const(node, 2)
            emit(Op("conv", node.name, [src(node, 0)], out, w=w,
                    b=np.zeros(w.shape[0]) if b is None else b,
                    kernel=tuple(w.shape[2:]), stride=tuple(a.get("strides", [1, 1])),
                    pad=_sym_pads(a.get("pads"), node), groups=int(a.get("group", 1))))
        elif t in ("Gemm", "MatMul"):
            if t == "Gemm" and (a.get("transA", 0) or a.get("alpha", 1.0) != 1.0
                                or a.get("beta", 1.0) != 1.0):
                raise ModelError(f"node {node.name!r} (Gemm): only alpha=beta=1, transA=0")
            w = const(node, 1)
            w = w if (t == "Gemm" and a.get("transB", 0)) else w.T
            b = const(node, 2) if t == "Gemm" else None
            emit(Op("fc", node.name, [src(node, 0)], out, w=w,
                    b=np.zeros(w.shape[0]) if b is None else b))
        elif t == "BatchNormalization":
            x = src(node, 0)
            p = producer.get(x)
            if p is None or p.kind != "conv" or p.relu or _uses(g, node.input[0]) > 1:
                raise ModelError(f"node {node.name!r} (BatchNormalization): only a batch norm "
                                 "right after a conv with no other consumer can be folded")
            gamma, beta, mean, var = (const(node, k) for k in (1, 2, 3, 4))
            k = gamma / np.sqrt(var + a.get("epsilon", 1e-5))
            p.w = p.w * k[:, None, None, None]
            p.b = (p.b - mean) * k + beta
            _rename(p, out, producer, known)
        elif t == "Relu":
            x = src(node, 0)
            p = producer.get(x)
            if p is None or p.relu or p.kind == "concat" or _uses(g, node.input[0]) > 1:
                raise ModelError(f"node {node.name!r} (Relu): its input must come from a layer "
                                 "(not the graph input or a concat) with no other consumer")
            p.relu = True
            _rename(p, out, producer, known)
        elif t in ("MaxPool", "AveragePool", "GlobalAveragePool"):
            kind = "maxpool" if t == "MaxPool" else "avgpool"
            if t == "GlobalAveragePool":
                emit(Op(kind, node.name, [src(node, 0)], out, kernel=None))
                continue
            if any(d != 1 for d in a.get("dilations", [1, 1])):
                raise ModelError(f"node {node.name!r} ({t}): dilation is not supported")
            pad = _sym_pads(a.get("pads"), node)
            if t == "AveragePool" and any(pad) and not a.get("count_include_pad", 0):
                raise ModelError(f"node {node.name!r} (AveragePool): padding must count in the "
                                 "average (count_include_pad=1), as on the device")
            emit(Op(kind, node.name, [src(node, 0)], out, kernel=tuple(a["kernel_shape"]),
                    stride=tuple(a.get("strides", [1, 1])), pad=pad,
                    ceil_mode=bool(a.get("ceil_mode", 0))))
        elif t == "Add":
            if node.input[1] in consts:  # a bias added after MatMul
                p = producer.get(src(node, 0))
                if p is None or p.kind not in ("conv", "fc") or p.relu:
                    raise ModelError(f"node {node.name!r} (Add): a constant can only be added "
                                     "as the bias of a conv or fc")
                p.b = p.b + consts[node.input[1]].reshape(-1)
                _rename(p, out, producer, known)
            else:
                emit(Op("add", node.name, [src(node, 0), src(node, 1)], out))
        elif t == "Concat":
            if a.get("axis") not in (1, -3):
                raise ModelError(f"node {node.name!r} (Concat): only the channel axis (1)")
            emit(Op("concat", node.name, [src(node, k) for k in range(len(node.input))], out))
        else:
            raise ModelError(f"node {node.name!r}: op {t} cannot be mapped to the device")
    final = alias.get(g.output[0].name, g.output[0].name)
    if final not in producer:
        raise ModelError(f"graph output {g.output[0].name!r} is not produced by a layer")
    return inputs[0].name, dims[1:], ops, final


def _uses(graph, tensor):
    return sum(tensor in n.input for n in graph.node)


def _rename(op, new, producer, known):
    del producer[op.out]
    op.out = new
    producer[new] = op
    known.add(new)


def onnx_from_torch(model, shape):
    import onnx
    import torch
    buf = io.BytesIO()
    torch.onnx.export(model, torch.zeros((1,) + tuple(shape)), buf, opset_version=13,
                      input_names=["data"], do_constant_folding=True)
    return onnx.load_from_string(buf.getvalue())


def load_onnx(path):
    import onnx
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file
        raise ModelError(f"{path}: not a valid ONNX model: {str(e)[:200]}") from None
    return model


# --------------------------------------------------------------- float model

def shapes_and_float(input_name, in_shape, ops, images):
    """Run the ops in float64 (torch) on images [N, C, H, W]; returns {tensor: array} and
    fills each op's shapes, checking what the device cannot do."""
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(max(1, torch.get_num_threads()))
    vals = {input_name: torch.from_numpy(np.asarray(images, np.float64))}
    for op in ops:
        x = vals[op.inputs[0]]
        c, h, w = x.shape[1:] if x.dim() == 4 else (x.shape[1], 1, 1)
        if op.kind == "conv":
            y = F.conv2d(x, torch.from_numpy(op.w), torch.from_numpy(op.b), op.stride, op.pad,
                         1, op.groups)
        elif op.kind == "fc":
            x = x.reshape(x.shape[0], -1)
            if op.w.shape[1] != x.shape[1]:
                raise ModelError(f"node {op.node!r}: fc expects {op.w.shape[1]} inputs, gets "
                                 f"{x.shape[1]}")
            op.w = op.w.reshape(op.w.shape[0], c, h, w)
            y = (x @ torch.from_numpy(op.w.reshape(op.w.shape[0], -1)).T
                 + torch.from_numpy(op.b))[:, :, None, None]
        elif op.kind in ("maxpool", "avgpool"):
            if op.kernel is None:
                op.kernel, op.stride = (h, w), (1, 1)
            floor = ref.out_hw(h, w, op.kernel, op.stride, op.pad)
            if getattr(op, "ceil_mode", False):
                ceil = tuple(-(-(n + 2 * p - k) // s) + 1 for n, p, k, s in
                             zip((h, w), op.pad, op.kernel, op.stride))
                if ceil != floor:
                    raise ModelError(f"node {op.node!r}: ceil_mode gives {list(ceil)}, the "
                                     f"device's floor mode {list(floor)}")
            y = (F.max_pool2d(x, op.kernel, op.stride, op.pad) if op.kind == "maxpool" else
                 F.avg_pool2d(x, op.kernel, op.stride, op.pad, count_include_pad=True))
        elif op.kind == "add":
            y = x + vals[op.inputs[1]]
        else:
            y = torch.cat([vals[n] for n in op.inputs], 1)
        if op.relu:
            y = torch.relu(y)
        vals[op.out] = y
    return {k: v.numpy() for k, v in vals.items()}


# -------------------------------------------------------------- quantization

def _qmax(prec, signed):
    return (1 << (prec - 1)) - 1 if signed else (1 << prec) - 1


def profile_weight_precision(w):
    """Smallest Pw whose quantization noise RMS is at most 1/32 of the weights' RMS."""
    rms = float(np.sqrt(np.mean(w * w))) or 1.0
    wmax = float(np.abs(w).max()) or 1.0
    for pw in range(2, 17):
        q = wmax / ((1 << (pw - 1)) - 1)
        err = float(np.sqrt(np.mean((w - np.round(w / q) * q) ** 2)))
        if err <= WEIGHT_NOISE_LIMIT * rms:
            return pw
    return 16


def quantize(input_name, ops, final, floats, prec_of_layer):
    """Choose precisions, scales and shifts; returns the bundle's layers (dicts with
    integer tensors) and the input scale. prec_of_layer: list of (Pa, Pw or None) per
    conv/fc in op order."""
    consumers = {}
    for op in ops:
        for n in op.inputs:
            consumers.setdefault(n, []).append(op)
    weighted = [op for op in ops if op.kind in ("conv", "fc")]
    if len(prec_of_layer) != len(weighted):
        raise ModelError(f"profile gives {len(prec_of_layer)} layers, the model has "
                         f"{len(weighted)} conv/fc layers")
    pa = {op.out: p[0] for op, p in zip(weighted, prec_of_layer)}
    pw_given = {op.out: p[1] for op, p in zip(weighted, prec_of_layer)}
    byname = {op.out: op for op in ops}

    # Signedness: a layer without ReLU may go negative; pools and concat inherit it.
    signed = {input_name: bool(floats[input_name].min() < 0)}
    for op in ops:
        if op.kind in ("conv", "fc", "add"):
            signed[op.out] = not op.relu
        else:
            signed[op.out] = any(signed[n] for n in op.inputs)

    # Precision of each tensor: what its consumers read (conv/fc: their Pa).
    prec = {}
    for t in [op.out for op in reversed(ops)] + [input_name]:
        need = []
        for c in consumers.get(t, []):
            if c.kind in ("conv", "fc"):
                need.append(pa[c.out])
            else:
                need.append(prec[c.out] + (1 if c.kind == "add" and signed[t] and not signed[c.out]
                                           else 0))
        prec[t] = min(16, max(need)) if need else 16
    for op in ops:
        if op.kind == "concat":  # one stored tensor: one precision
            for n in op.inputs:
                if consumers[n] != [op]:
                    raise ModelError(f"node {byname[n].node!r}: its output feeds a Concat and "
                                     "another layer; the device writes it inside the concat")
                if byname.get(n) is None or byname[n].kind == "concat":
                    raise ModelError(f"node {op.node!r} (Concat): input {n!r} must be a layer "
                                     "output (not the graph input or a concat)")
                prec[n], signed[n] = prec[op.out], signed[op.out]

    def cal_scale(t):
        m = float(np.percentile(np.abs(floats[t]), CALIBRATION_PERCENTILE))
        return (m or 1e-6) / _qmax(prec[t], signed[t])

    # Tensors that meet in an add or concat share a scale (union-find).
    parent = {}

    def root(t):
        while parent.get(t, t) != t:
            t = parent[t]
        return t

    for op in ops:
        if op.kind in ("add", "concat"):
            members = op.inputs + ([op.out] if op.kind == "concat" else [])
            for n in members[1:]:
                parent[root(n)] = root(members[0])
    groups = {}
    for t in signed:
        groups.setdefault(root(t), []).append(t)

    scale = {input_name: cal_scale(input_name)}
    layers = []

    def fixed_scale(t):
        """Scale of tensor t's tie group, fixing it from calibration when all members are
        free (conv/fc outputs or a concat of them)."""
        group = groups[root(t)]
        fixed = [scale[n] for n in group if n in scale]
        if fixed:
            return fixed[0]
        frees = [n for n in group if n == t or (n in byname and byname[n].kind in ("conv", "fc", "concat"))]
        if len(frees) != len(group):
            raise ModelError(f"node {byname[t].node!r}: cannot give one scale to the tensors "
                             f"{group} that meet in an Add/Concat")
        s = max(cal_scale(n) for n in group)
        for n in group:
            scale[n] = s
        return s

    def shift_for(t, s_in):
        """Pools and adds: output scale s_in * 2^shift, the smallest that fits."""
        return max(0, math.ceil(math.log2(cal_scale(t) / s_in) - 1e-9))

    for op in ops:
        L = {"name": op.out, "node": re.sub(r"/(Conv|Gemm|MatMul|MaxPool|AveragePool|GlobalAveragePool|Add|Concat)$", "", op.node)}
        if op.kind in ("conv", "fc"):
            x = op.inputs[0]
            s_in = scale[x]
            s_out = fixed_scale(op.out)
            p_w = pw_given[op.out] or profile_weight_precision(op.w)
            qw = _qmax(p_w, True)
            wmax = float(np.abs(op.w).max()) or 1e-12
            # nearest shift: the weights' range is used within a factor sqrt(2), the few
            # largest clipped (flooring would leave up to half the range, a whole bit, unused)
            sh = int(min(31, max(0, round(math.log2(qw * s_out / (wmax * s_in))))))
            wq = np.clip(np.round(op.w * s_in * 2.0 ** sh / s_out), -qw, qw).astype(np.int64)
            bq = np.clip(np.round(op.b * 2.0 ** sh / s_out), -2**31, 2**31 - 1).astype(np.int64)
            L.update(type=op.kind, input=x)
            if op.kind == "conv":
                L.update(filters=int(op.w.shape[0]), kernel=list(op.kernel),
                         stride=list(op.stride), pad=list(op.pad), groups=op.groups)
            else:
                L.update(outputs=int(op.w.shape[0]))
            L.update(pa=prec[x], pw=p_w, pw_profiled=pw_given[op.out] is None, shift=sh,
                     weights=wq, bias=bq)
        elif op.kind in ("maxpool", "avgpool", "add"):
            if op.kind == "add":  # both inputs are in one tie group: one scale
                s_in = fixed_scale(op.inputs[0])
            else:
                s_in = scale[op.inputs[0]]
            sh = shift_for(op.out, s_in)
            scale[op.out] = s_in * 2.0 ** sh
            L.update(type=op.kind, shift=sh)
            if op.kind == "add":
                L["inputs"] = list(op.inputs)
            else:
                L.update(input=op.inputs[0], kernel=list(op.kernel), stride=list(op.stride),
                         pad=list(op.pad), pa=prec[op.inputs[0]])
        else:
            scale[op.out] = fixed_scale(op.out)
            L.update(type="concat", inputs=list(op.inputs))
        if op.kind != "concat":
            L.update(out_prec=prec[op.out], out_signed=signed[op.out], relu=op.relu)
        layers.append(L)
    return layers, scale, prec, signed


# ------------------------------------------------------------------- bundle

def _sanitize(name, used):
    s = re.sub(r"[^A-Za-z0-9_.-]", "_", name.strip("/").replace("/", ".")) or "t"
    if not re.match(r"[A-Za-z0-9_]", s):
        s = "t" + s
    base, k = s, 1
    while s in used:
        k += 1
        s = f"{base}_{k}"
    used.add(s)
    return s


def _dtype(arr):
    for dt in (np.int8, np.int16, np.int32):
        if arr.size == 0 or (arr.min() >= np.iinfo(dt).min and arr.max() <= np.iinfo(dt).max):
            return dt
    return np.int64


def write_bundle(out_dir, name, description, profile, input_name, in_shape, in_prec,
                 in_signed, x_int, layers, notes, input_set=None):
    """Writes network.json and data/*.npy; tensor names become file-safe layer names."""
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    used, rename = set(), {}
    rename[input_name] = _sanitize("data", used)
    for L in layers:  # layers are named by the ONNX node that made them: "/layer1/0/conv1/Conv"
        rename[L["name"]] = _sanitize(L.pop("node"), used)
    out_layers, profiled = [], []
    for L in layers:
        L = dict(L)
        if L.pop("pw_profiled", False):
            profiled.append(rename[L["name"]])
        L["name"] = rename[L["name"]]
        if "input" in L:
            L["input"] = rename[L["input"]]
        if "inputs" in L:
            L["inputs"] = [rename[n] for n in L["inputs"]]
        for key in ("weights", "bias"):
            if key in L:
                rel = f"data/{L['name']}_{key}.npy"
                np.save(os.path.join(out_dir, rel), L[key].astype(_dtype(L[key])))
                L[key] = {"file": rel}
        out_layers.append(L)
    np.save(os.path.join(out_dir, "data", "input.npy"), x_int.astype(_dtype(x_int)))
    net = {"format": "loomvp-workload", "version": 2, "name": name,
           "description": description, "profile": profile,
           "input": {"name": rename[input_name], "shape": list(in_shape), "prec": in_prec,
                     "signed": in_signed, "data": {"file": "data/input.npy"}},
           "layers": out_layers}
    if profiled:
        notes = [f"weight precisions of {', '.join(profiled)} derived from the weights by the "
                 "profiler (quantization noise <= 1/32 of the weights' RMS)"] + list(notes)
    if notes:
        net["notes"] = notes
    if input_set:  # {"images": int [N, C, H, W], "labels": [N], "float_predictions": [N]}
        net["input_set"] = {"count": int(len(input_set["labels"]))}
        for key, arr in input_set.items():
            rel = f"data/set_{key}.npy"
            np.save(os.path.join(out_dir, rel), np.asarray(arr).astype(_dtype(np.asarray(arr))))
            net["input_set"][key] = {"file": rel}
    with open(os.path.join(out_dir, "network.json.tmp"), "w") as f:
        f.write("{\n" + ",\n".join(
            f'  "{k}": ' + ("[\n" + ",\n".join("    " + json.dumps(x) for x in v) + "\n  ]"
                            if k == "layers" else json.dumps(v)) for k, v in net.items()) + "\n}\n")
    os.replace(os.path.join(out_dir, "network.json.tmp"), os.path.join(out_dir, "network.json"))
    return net


def import_ops(input_name, in_shape, ops, final, prec_of_layer, images, sample):
    """Quantize the ops for a profile: returns (layers, input prec, signed, sample as ints,
    notes)."""
    floats = shapes_and_float(input_name, in_shape, ops, np.concatenate([images, sample[None]]))
    layers, scale, prec, signed = quantize(input_name, ops, final, floats, prec_of_layer)
    x_int = quantize_input(sample, scale[input_name], prec[input_name], signed[input_name])
    notes = []
    return layers, prec[input_name], signed[input_name], x_int, notes, scale


def quantize_input(x, scale, prec, signed):
    """Float inputs -> the integers the bundle's input holds (value = scale * integer)."""
    lo = -_qmax(prec, True) - 1 if signed else 0
    return np.clip(np.round(x / scale), lo, _qmax(prec, signed)).astype(np.int64)


def fmnist_input_set(model, count, scale, prec, signed):
    """The first `count` Fashion-MNIST test images at the input precision, their labels
    and the float model's predictions."""
    import torch
    import bitprune_train
    x, y = bitprune_train.load_split("test")
    x = x[:count, None].astype(np.float64) / 255
    with torch.no_grad():
        pred = model(torch.from_numpy(x).float()).argmax(1).numpy()
    return {"images": quantize_input(x, scale, prec, signed), "labels": y[:count].astype(np.int64),
            "float_predictions": pred.astype(np.int64)}


def import_network(name, profile, out_dir, progress=print, input_set=500, extra_notes=()):
    """Build network `name` (tools/networks.py), quantize for `profile`, write the bundle."""
    import torch
    torch.set_num_threads(1)
    if profile is None:
        profile = networks.profiles(name)[0]
    if profile not in networks.profiles(name):
        raise ModelError(f"network {name} has no profile {profile!r}; allowed: "
                         f"{', '.join(networks.profiles(name))}")
    progress(f"building {name}" + ("" if name == "fmnist" else " with seeded weights"))
    model, shape = networks.build(name)
    convs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    fcs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    precs = networks.layer_precisions(name, profile, convs, fcs)
    progress("exporting to ONNX")
    input_name, in_shape, ops, final = ops_from_onnx(onnx_from_torch(model, shape))
    n_cal = 64 if name == "fmnist" else CALIBRATION_IMAGES
    progress(f"calibrating on {n_cal} sample images and quantizing")
    images = networks.calibration_images(name, n_cal + 1, shape)
    layers, in_prec, in_signed, x_int, notes, scale = import_ops(
        input_name, in_shape, ops, final, precs, images[:-1], images[-1])
    test_set = (fmnist_input_set(model, input_set, scale[input_name], in_prec, in_signed)
                if name == "fmnist" and input_set else None)
    progress(f"writing {out_dir}")
    desc = networks.index()["networks"][name]["description"] + (
        "" if name == "fmnist" else ". Seeded synthetic weights (ImageNet weights are not "
        "available here); integer weights and shifts by tools/import_model.py.")
    return write_bundle(out_dir, name, desc, profile, input_name, in_shape, in_prec, in_signed,
                        x_int, layers, notes + list(extra_notes), test_set)


def import_onnx(path, out_dir, pa, pw, name=None):
    """An ONNX file with uniform precisions; calibration on seeded image-like inputs."""
    model = load_onnx(path)
    input_name, in_shape, ops, final = ops_from_onnx(model)
    n = sum(op.kind in ("conv", "fc") for op in ops)
    images = networks.sample_images(CALIBRATION_IMAGES + 1, tuple(in_shape), seed=1)
    layers, in_prec, in_signed, x_int, notes, _ = import_ops(
        input_name, in_shape, ops, final, [(pa, pw)] * n, images[:-1], images[-1])
    name = name or os.path.splitext(os.path.basename(path))[0]
    return write_bundle(out_dir, _sanitize(name, set()), f"imported from {os.path.basename(path)}",
                        f"uniform pa={pa} pw={pw}", input_name, in_shape, in_prec, in_signed,
                        x_int, layers, notes)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--network", help="a network of tools/networks.py: "
                     + ", ".join(networks.DESCRIPTIONS))
    src.add_argument("--onnx", help="an ONNX file")
    ap.add_argument("--profile", help="precision profile (default: the network's first)")
    ap.add_argument("--pa", type=int, default=8, help="--onnx: activation precision 1..16")
    ap.add_argument("--pw", type=int, default=8, help="--onnx: weight precision 1..16")
    ap.add_argument("--out", required=True, help="bundle directory to write")
    ap.add_argument("--input-set", type=int, default=500,
                    help="fmnist: test images in the bundle's input set (0..10000)")
    a = ap.parse_args(argv)
    try:
        if a.network:
            if a.network not in networks.index()["networks"]:
                raise ModelError(f"--network: {a.network!r} unknown; allowed: "
                                 + ", ".join(networks.index()["networks"]))
            if not 0 <= a.input_set <= 10000:
                raise ModelError(f"--input-set: {a.input_set}; allowed 0..10000")
            name, count = networks.INPUT_SET_VARIANTS.get(a.network, (a.network, a.input_set))
            import_network(name, a.profile, a.out, input_set=count,
                           progress=lambda m: print(f"import_model: {m}", file=sys.stderr))
        else:
            for opt, v in (("--pa", a.pa), ("--pw", a.pw)):
                if not 1 <= v <= 16:
                    raise ModelError(f"{opt}: {v}; allowed integers 1..16")
            import_onnx(a.onnx, a.out, a.pa, a.pw)
    except ModelError as e:
        print(f"import_model: error: {e}", file=sys.stderr)
        return 2
    print(f"import_model: wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
