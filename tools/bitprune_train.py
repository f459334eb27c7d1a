#!/usr/bin/python3
"""Learn per-layer bitlengths on Fashion-MNIST, BitPruning style (Nikolic et al.,
arXiv 2002.03090), and write the trained network as a LoomVP bundle.

A small CNN (3 conv + 2 fc) has one learnable, continuous bitlength per layer for its
weights and one for its input activations. The quantizer at bitlength n interpolates
between the two nearest integer bitlengths,
    q_n(x) = (1 - a) * q_floor(n)(x) + a * q_ceil(n)(x),   a = n - floor(n),
(rounding passes gradients straight through), so the task loss sees the cost of fewer
bits and n gets a gradient. The loss is
    cross_entropy + lambda * sum_l MACs_l * (n_w,l + n_a,l) / (2 * sum_l MACs_l),
one coefficient lambda trading accuracy against MAC-weighted average bits. Schedule:
float warm-up, bitlength learning, then bitlengths rounded up and a short fine-tune.

  bitprune_train.py [--epochs-float 1 --epochs-bits 1 --epochs-tune 0.5 --lam 0.05]
                    [--fraction F] --out DIR     (DIR: bundle; DIR/model.npz float weights)

Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_model as im  # noqa: E402
import networks  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = 10


def read_idx(path):
    """An IDX file (gzip): uint8 images [N, 28, 28] or labels [N], checked sizes."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise im.ModelError(f"{path}: cannot read ({e}); install dataset-fashion-mnist") from None
    magic = int.from_bytes(raw[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise im.ModelError(f"{path}: not an IDX uint8 file (magic {magic:#x})")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    if len(raw) != 4 + 4 * ndim + int(np.prod(dims)):
        raise im.ModelError(f"{path}: size does not match dimensions {dims}")
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(split):
    pre = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DATA, f"{pre}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA, f"{pre}-labels-idx1-ubyte.gz"))
    return x, y


def make_model():
    import torch
    from torch import nn

    class Quant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return torch.round(x)

        @staticmethod
        def backward(ctx, g):
            return g

    def quant_at(x, bits, top, signed):
        """Uniform quantization of x to an integer bitlength (a Python int)."""
        levels = (2 ** (bits - 1) - 1) if signed else (2 ** bits - 1)
        step = top / max(levels, 1)
        lo = -levels if signed else 0
        return torch.clamp(Quant.apply(x / step), lo, levels) * step

    class BitQuant(nn.Module):
        """Learnable continuous bitlength; interpolates the two nearest integer ones."""

        def __init__(self, signed, init_bits=8.0):
            super().__init__()
            self.signed = signed
            self.bits = nn.Parameter(torch.tensor(init_bits))
            self.register_buffer("top", torch.tensor(0.0))
            self.enabled, self.fixed = False, None

        def forward(self, x):
            if not self.enabled:
                return x
            top = x.detach().abs().max() if self.signed else x.detach().max()
            if self.training and not self.signed:  # activation range: running max
                self.top = torch.maximum(self.top * 0.99, top) if self.top > 0 else top
            rng = top if self.signed else self.top
            rng = torch.clamp(rng, min=1e-8)
            if self.fixed is not None:
                return quant_at(x, self.fixed, rng, self.signed)
            n = torch.clamp(self.bits, 2.0, 16.0)
            lo = int(math.floor(float(n)))
            a = n - lo
            q_lo = quant_at(x, lo, rng, self.signed)
            q_hi = quant_at(x, min(lo + 1, 16), rng, self.signed)
            return (1 - a) * q_lo + a * q_hi

    class QLayer(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.layer, self.qa, self.qw = layer, BitQuant(False), BitQuant(True)

        def forward(self, x):
            w = self.qw(self.layer.weight)
            x = self.qa(x)
            if isinstance(self.layer, nn.Conv2d):
                return nn.functional.conv2d(x, w, self.layer.bias, self.layer.stride,
                                            self.layer.padding)
            return nn.functional.linear(x, w, self.layer.bias)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = QLayer(nn.Conv2d(1, 16, 3, padding=1))
            self.conv2 = QLayer(nn.Conv2d(16, 32, 3, padding=1))
            self.conv3 = QLayer(nn.Conv2d(32, 64, 3, padding=1))
            self.fc1 = QLayer(nn.Linear(64 * 3 * 3, 64))
            self.fc2 = QLayer(nn.Linear(64, CLASSES))
            pool = nn.functional.max_pool2d
            self.macs = [28 * 28 * 16 * 9, 14 * 14 * 32 * 16 * 9, 7 * 7 * 64 * 32 * 9,
                         576 * 64, 64 * 10]
            self.pool = pool

        def qlayers(self):
            return [self.conv1, self.conv2, self.conv3, self.fc1, self.fc2]

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)), 2)
            x = self.pool(torch.relu(self.conv2(x)), 2)
            x = self.pool(torch.relu(self.conv3(x)), 2)
            x = torch.relu(self.fc1(torch.flatten(x, 1)))
            return self.fc2(x)

        def bit_cost(self):
            """MAC-weighted mean of the weight and activation bitlengths."""
            total = sum(self.macs)
            return sum(m * (torch.clamp(q.qw.bits, 2, 16) + torch.clamp(q.qa.bits, 2, 16))
                       for m, q in zip(self.macs, self.qlayers())) / (2 * total)

        def plain(self):
            """The same network without quantizers (for export and float accuracy)."""
            from collections import OrderedDict
            seq = nn.Sequential(OrderedDict([
                ("conv1", self.conv1.layer), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
                ("conv2", self.conv2.layer), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
                ("conv3", self.conv3.layer), ("relu3", nn.ReLU()), ("pool3", nn.MaxPool2d(2)),
                ("flatten", nn.Flatten()), ("fc1", self.fc1.layer), ("relu4", nn.ReLU()),
                ("fc2", self.fc2.layer)]))
            return seq.eval()

    return Net()


def accuracy(model, x, y, batch=1000):
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    model.train()
    return correct / len(x)


def train(args, log=print):
    import torch
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    xtr, ytr = load_split("train")
    xte, yte = load_split("test")
    xtr = torch.from_numpy(xtr[:, None].astype(np.float32) / 255)
    ytr = torch.from_numpy(ytr.astype(np.int64))
    xte_t = torch.from_numpy(xte[:, None].astype(np.float32) / 255)
    yte_t = torch.from_numpy(yte.astype(np.int64))
    model = make_model()
    n_train = int(len(xtr) * args.fraction)
    gen = torch.Generator().manual_seed(args.seed)

    def run(epochs, phase, lam=0.0):
        params = [p for n, p in model.named_parameters() if not n.endswith("bits")]
        bits = [p for n, p in model.named_parameters() if n.endswith("bits")]
        opt = torch.optim.Adam([{"params": params, "lr": args.lr},
                                {"params": bits, "lr": args.lr_bits if lam else 0.0}])
        steps = int(epochs * n_train / args.batch)
        t0 = time.time()
        for step in range(steps):
            idx = torch.randint(0, n_train, (args.batch,), generator=gen)
            loss = torch.nn.functional.cross_entropy(model(xtr[idx]), ytr[idx])
            cost = model.bit_cost()
            opt.zero_grad()
            (loss + lam * cost).backward()
            opt.step()
            if step % 200 == 0 or step == steps - 1:
                log(f"{phase}: step {step + 1}/{steps} loss {float(loss):.3f} "
                    f"mean bits {float(cost):.2f} ({time.time() - t0:.0f} s)")

    run(args.epochs_float, "float")
    for q in model.qlayers():
        q.qa.enabled = q.qw.enabled = True
    run(args.epochs_bits, "bits", args.lam)
    for q in model.qlayers():  # round up, then fine-tune at the integer bitlengths
        q.qa.fixed = int(math.ceil(float(torch.clamp(q.qa.bits, 2, 16)) - 1e-6))
        q.qw.fixed = int(math.ceil(float(torch.clamp(q.qw.bits, 2, 16)) - 1e-6))
    run(args.epochs_tune, "fine-tune")
    learned = [(q.qa.fixed, q.qw.fixed) for q in model.qlayers()]
    acc_q = accuracy(model, xte_t, yte_t)
    acc_f = accuracy(model.plain(), xte_t, yte_t)
    log(f"learned (Pa, Pw): {learned}; test accuracy {acc_q:.4f} quantized in training, "
        f"{acc_f:.4f} without quantizers")
    return model, learned, {"train_quantized_top1": acc_q, "float_top1": acc_f}, xtr


def save_float(model, path):
    np.savez(path, **{k: v.detach().numpy() for k, v in model.plain().state_dict().items()})


def load_float(path):
    """The plain network with the weights of model.npz."""
    import torch
    model = make_model().plain()
    with np.load(path) as z:
        model.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files})
    return model.eval()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="bundle directory (also gets model.npz)")
    ap.add_argument("--epochs-float", type=float, default=1.0)
    ap.add_argument("--epochs-bits", type=float, default=1.0)
    ap.add_argument("--epochs-tune", type=float, default=0.5)
    ap.add_argument("--fraction", type=float, default=1.0, help="share of the training set")
    ap.add_argument("--lam", type=float, default=0.05, help="bitlength regularizer weight")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-bits", type=float, default=5e-2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--input-set", type=int, default=500, help="test images in the bundle")
    a = ap.parse_args(argv)
    if not 0 < a.fraction <= 1:
        print("bitprune_train: error: --fraction: allowed 0 < F <= 1", file=sys.stderr)
        return 2
    try:
        log = lambda m: print(f"bitprune_train: {m}", file=sys.stderr, flush=True)  # noqa: E731
        model, learned, acc, xtr = train(a, log)
        os.makedirs(a.out, exist_ok=True)
        save_float(model, os.path.join(a.out, "model.npz"))
        mean_bits = float(np.mean([b for pair in learned for b in pair]))
        note = (f"learned bitlengths (lambda {a.lam}): mean {mean_bits:.2f} bits; test top-1 "
                f"{acc['train_quantized_top1']:.4f} with the training quantizers, float "
                f"{acc['float_top1']:.4f}")
        with open(os.path.join(a.out, "training.json"), "w") as f:
            json.dump({"learned_pa_pw": learned, "mean_bits": mean_bits, **acc,
                       "args": vars(a)}, f, indent=1)
        # The bundle comes from the importer, reading model.npz and training.json in a.out.
        networks.FMNIST_DIR = a.out
        im.import_network("fmnist", "learned", a.out, progress=log, input_set=a.input_set,
                          extra_notes=[note])
    except im.ModelError as e:
        print(f"bitprune_train: error: {e}", file=sys.stderr)
        return 2
    log(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
