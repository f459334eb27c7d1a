#!/usr/bin/python3
"""The networks LoomVP runs by name, their precision profiles, and their seeded weights.

ImageNet-trained weights cannot be downloaded here, so every network gets
deterministic seeded weights with the distributions training leaves behind
roughly: He-normal convolutions, small normal fc weights, small biases, and
batch-norm statistics spread around 1 and 0 (folded into the convolutions by
the importer). Torchvision definitions are used where they match the networks
the papers evaluated (VGG-19, ResNet-18, GoogLeNet); AlexNet is the BVLC
Caffe layout (groups of 2) the Loom/Stripes papers used; NiN, VGG_S and VGG_M
follow their published layer shapes (Lin et al. 2013; Chatfield et al. 2014).
LRN layers are left out (no integer equivalent on the device), and every
pooling rounds its output size down (the device's floor mode), so a map can be
one smaller than in the Caffe models, which round up.

`python3 tools/networks.py --index` rewrites workloads/networks.json, the list
of networks and profiles the simulator reads for `loomvp list` and `--profile`.
"""
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INDEX = os.path.join(REPO, "workloads", "networks.json")

# Per-layer activation precisions from ../shared/papers/PRECISIONS.md, in the
# order of the network's conv layers (GoogLeNet: per stage, see stage_of()).
STRIPES = {
    "nin": ([8, 8, 8, 9, 7, 8, 8, 9, 9, 8, 8, 8], [8, 8, 7, 9, 7, 8, 8, 9, 9, 8, 7, 8]),
    "alexnet": ([9, 8, 5, 5, 7], [9, 7, 4, 5, 7]),
    "googlenet": ([10, 8, 10, 9, 8, 10, 9, 8, 9, 10, 7], [10, 8, 9, 8, 8, 9, 10, 8, 9, 10, 8]),
    "vgg_m": ([7, 7, 7, 8, 7], [6, 8, 7, 7, 7]),
    "vgg_s": ([7, 8, 9, 7, 9], [7, 8, 9, 7, 9]),
    "vgg19": ([12, 12, 12, 11, 12, 10, 11, 11, 13, 12, 13, 13, 13, 13, 13, 13],
              [9, 9, 9, 8, 12, 10, 10, 12, 13, 11, 12, 13, 13, 13, 13, 13]),
}
DNNSIM_ALEXNET = {"pa": [8, 7, 5, 6, 6, 5, 5, 4], "pw": [9, 9, 8, 9, 9, 6, 4, 7]}

DESCRIPTIONS = {
    "alexnet": "AlexNet, BVLC Caffe layout (conv2/4/5 in 2 groups), 3x227x227",
    "nin": "Network in Network (ImageNet model, 12 conv incl. cccp 1x1, global avg pool), 3x227x227",
    "googlenet": "GoogLeNet (torchvision, batch-norm folded, 9 inception modules), 3x224x224",
    "vgg_s": "VGG_S (Chatfield et al. 2014), 5 conv + 3 fc, 3x224x224",
    "vgg_m": "VGG_M (Chatfield et al. 2014), 5 conv + 3 fc, 3x224x224",
    "vgg19": "VGG-19 (torchvision), 16 conv + 3 fc, 3x224x224",
    "resnet18": "ResNet-18 (torchvision, batch-norm folded, residual adds), 3x224x224",
}
INPUT_HW = {"alexnet": 227, "nin": 227}


FMNIST_DIR = os.path.join(REPO, "workloads", "fmnist")  # trained by tools/bitprune_train.py
# Networks that are another network with a bigger input set: the fmnist network with the
# whole Fashion-MNIST test set (for `loomvp run --batch 10000`; generated into the cache).
INPUT_SET_VARIANTS = {"fmnist-test10k": ("fmnist", 10000)}


def profiles(name):
    """Profile names available for a network (the first is the default)."""
    name = INPUT_SET_VARIANTS.get(name, (name,))[0]
    if name == "fmnist":
        return ["learned", "uniform16", "uniform8"]
    p = []
    if name == "alexnet":
        p.append("dnnsim-example")
    if name in STRIPES:
        p += ["stripes-100", "stripes-99"]
    # No published profile (ResNet-18): uniform8 first, the usual int8
    # deployment, and one filter block fits the default weight buffer.
    return p + ["uniform16", "uniform8"] if p else ["uniform8", "uniform16"]


def stage_of(conv_names):
    """GoogLeNet's Stripes profile is per stage: conv1, conv2 (reduce and 3x3), then one
    entry per inception module. Maps each conv (torchvision module path) to its stage index."""
    stages = ["conv1", "conv2", "inception3a", "inception3b", "inception4a", "inception4b",
              "inception4c", "inception4d", "inception4e", "inception5a", "inception5b"]
    out = []
    for n in conv_names:
        head = n.split(".")[0]
        out.append(1 if head == "conv3" else stages.index(head))
    return out


def layer_precisions(name, profile, convs, fcs):
    """Per conv/fc layer (Pa, Pw or None) for a profile. `convs`, `fcs`: module paths in
    network order. Pw None = derived from the weights by the importer's profiler. Layers a
    Stripes profile does not list (fc) keep 16-bit activations, the baseline's."""
    n = len(convs) + len(fcs)
    if profile == "uniform16":
        return [(16, 16)] * n
    if profile == "uniform8":
        return [(8, 8)] * n
    if profile == "learned" and name == "fmnist":
        with open(os.path.join(FMNIST_DIR, "training.json")) as f:
            return [tuple(p) for p in json.load(f)["learned_pa_pw"]]
    if profile == "dnnsim-example" and name == "alexnet":
        return list(zip(DNNSIM_ALEXNET["pa"], DNNSIM_ALEXNET["pw"]))
    if profile in ("stripes-100", "stripes-99") and name in STRIPES:
        table = STRIPES[name][0 if profile == "stripes-100" else 1]
        pa = [table[s] for s in stage_of(convs)] if name == "googlenet" else list(table)
        if len(pa) != len(convs):
            raise ValueError(f"{name}: profile {profile} lists {len(pa)} conv layers, "
                             f"network has {len(convs)}")
        return [(a, None) for a in pa] + [(16, None)] * len(fcs)
    raise KeyError(f"network {name} has no profile {profile!r}; allowed: {profiles(name)}")


# ------------------------------------------------------------- definitions

def _torch():
    import torch
    from torch import nn
    return torch, nn


def _seq_cnn(nn, spec, in_c=3):
    """A plain CNN from a list: ("conv", F, k, stride, pad[, groups]), ("pool", k, s),
    ("gap",), ("flatten",), ("fc", F[, relu])."""
    layers, c = [], in_c
    for item in spec:
        kind = item[0]
        if kind == "conv":
            f, k, s, p = item[1:5]
            g = item[5] if len(item) > 5 else 1
            layers += [nn.Conv2d(c, f, k, s, p, groups=g), nn.ReLU(inplace=True)]
            c = f
        elif kind == "pool":
            layers.append(nn.MaxPool2d(item[1], item[2]))
        elif kind == "gap":
            layers.append(nn.AdaptiveAvgPool2d(1))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        elif kind == "fc":
            layers.append(nn.LazyLinear(item[1]))
            if len(item) < 3 or item[2]:
                layers.append(nn.ReLU(inplace=True))
            c = None
    return nn.Sequential(*layers)


SPECS = {
    "alexnet": [("conv", 96, 11, 4, 0), ("pool", 3, 2), ("conv", 256, 5, 1, 2, 2), ("pool", 3, 2),
                ("conv", 384, 3, 1, 1), ("conv", 384, 3, 1, 1, 2), ("conv", 256, 3, 1, 1, 2),
                ("pool", 3, 2), ("flatten",), ("fc", 4096), ("fc", 4096), ("fc", 1000, False)],
    "nin": [("conv", 96, 11, 4, 0), ("conv", 96, 1, 1, 0), ("conv", 96, 1, 1, 0), ("pool", 3, 2),
            ("conv", 256, 5, 1, 2), ("conv", 256, 1, 1, 0), ("conv", 256, 1, 1, 0), ("pool", 3, 2),
            ("conv", 384, 3, 1, 1), ("conv", 384, 1, 1, 0), ("conv", 384, 1, 1, 0), ("pool", 3, 2),
            ("conv", 1024, 3, 1, 1), ("conv", 1024, 1, 1, 0), ("conv", 1000, 1, 1, 0), ("gap",),
            ("flatten",)],
    "vgg_m": [("conv", 96, 7, 2, 0), ("pool", 3, 2), ("conv", 256, 5, 2, 1), ("pool", 3, 2),
              ("conv", 512, 3, 1, 1), ("conv", 512, 3, 1, 1), ("conv", 512, 3, 1, 1), ("pool", 3, 2),
              ("flatten",), ("fc", 4096), ("fc", 4096), ("fc", 1000, False)],
    "vgg_s": [("conv", 96, 7, 2, 0), ("pool", 3, 3), ("conv", 256, 5, 1, 0), ("pool", 2, 2),
              ("conv", 512, 3, 1, 1), ("conv", 512, 3, 1, 1), ("conv", 512, 3, 1, 1), ("pool", 3, 3),
              ("flatten",), ("fc", 4096), ("fc", 4096), ("fc", 1000, False)],
}


def _googlenet(torch, nn):
    import torchvision
    m = torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=False,
                                     init_weights=False)
    # Ceil-mode 3x3/2 pools -> floor mode with padding 1: the same map sizes (56, 28, 14, 7),
    # windows shifted by one pixel. Stride-1 pools keep their size either way.
    for mod in m.modules():
        if isinstance(mod, nn.MaxPool2d) and mod.ceil_mode:
            mod.ceil_mode = False
            if mod.stride == 2:
                mod.padding = 1
    m.dropout = nn.Identity()
    return m


def build(name, seed=0):
    """The float network `name` with seeded weights, in eval mode, and its input shape."""
    torch, nn = _torch()
    import torchvision
    if name == "fmnist":
        import bitprune_train
        return bitprune_train.load_float(os.path.join(FMNIST_DIR, "model.npz")), (1, 28, 28)
    torch.manual_seed(seed)
    hw = INPUT_HW.get(name, 224)
    if name in SPECS:
        m = _seq_cnn(nn, SPECS[name])
        m(torch.zeros(1, 3, hw, hw))  # materialise the lazy fc layers
    elif name == "googlenet":
        m = _googlenet(torch, nn)
    elif name == "vgg19":
        m = torchvision.models.vgg19(weights=None)
        m.avgpool = nn.Identity()  # 7x7 in, 7x7 out: adaptive pooling is a no-op here
    elif name == "resnet18":
        m = torchvision.models.resnet18(weights=None)
    else:
        raise KeyError(f"unknown network {name!r}; allowed: {sorted(DESCRIPTIONS)}")
    init_weights(m, torch, nn)
    return m.eval(), (3, hw, hw)


def init_weights(m, torch, nn):
    """Seeded weights shaped like trained ones (see the module docstring)."""
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, mode="fan_in", nonlinearity="relu")
                if mod.bias is not None:
                    mod.bias.normal_(0.0, 0.05)
            elif isinstance(mod, nn.Linear):
                nn.init.normal_(mod.weight, 0.0, (2.0 / mod.in_features) ** 0.5)
                mod.bias.normal_(0.0, 0.05)
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0.0, 0.1)
                mod.running_mean.normal_(0.0, 0.2)
                mod.running_var.uniform_(0.5, 2.0)


def sample_images(n, shape, seed):
    """Image-like calibration inputs in [0, 1]: smooth random colour fields plus fine noise
    (natural images are mostly low-frequency)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    c, h, w = shape
    coarse = rng.random((n, c, 8, 8))
    ys = np.linspace(0, 7, h)
    xs = np.linspace(0, 7, w)
    y0, x0 = np.floor(ys).astype(int).clip(0, 6), np.floor(xs).astype(int).clip(0, 6)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    g = lambda yy, xx: coarse[:, :, yy][:, :, :, xx]  # noqa: E731
    smooth = ((1 - fy) * (1 - fx) * g(y0, x0) + (1 - fy) * fx * g(y0, x0 + 1)
              + fy * (1 - fx) * g(y0 + 1, x0) + fy * fx * g(y0 + 1, x0 + 1))
    return np.clip(smooth + 0.08 * rng.standard_normal((n, c, h, w)), 0.0, 1.0)


def calibration_images(name, n, shape):
    """Inputs the importer calibrates on: real training images for fmnist, else synthetic."""
    if name == "fmnist":
        import bitprune_train
        x, _ = bitprune_train.load_split("train")
        return x[:n, None].astype("float64") / 255
    return sample_images(n, shape, seed=1)


def index():
    """The networks.json the simulator reads: names, descriptions, profiles, how to build."""
    nets = {n: {"description": DESCRIPTIONS[n], "profiles": profiles(n)} for n in DESCRIPTIONS}
    nets["fmnist"] = {"description": "Fashion-MNIST CNN (3 conv + 2 fc) with bitlengths learned by "
                                     "tools/bitprune_train.py; trained weights",
                      "profiles": profiles("fmnist")}
    nets["fmnist-test10k"] = {"description": "the fmnist network with all 10,000 Fashion-MNIST test "
                                             "images as its input set (for --batch 10000)",
                              "profiles": profiles("fmnist")}
    return {"format": "loomvp-networks", "version": 1,
            "generator": "tools/import_model.py --network NAME --profile PROFILE --out DIR",
            "networks": nets}


def main(argv):
    if argv == ["--index"]:
        with open(INDEX, "w") as f:
            f.write(json.dumps(index(), indent=1) + "\n")
        print(f"wrote {INDEX}")
        return 0
    print("usage: networks.py --index", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
