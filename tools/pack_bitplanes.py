#!/usr/bin/python3
"""Pack tensors into LoomVP's DRAM "bit-plane brick" format (and back).

A brick is 16 consecutive channels at one position. It is stored as P bit
planes, plane 0 (LSB) first; each plane is one little-endian 16-bit word whose
bit i is bit p of channel 16*b+i. Values are P-bit two's complement when the
data is signed (the top plane is the sign), plain binary when unsigned.
Channels past the end of the tensor (last brick) are 0.

  activations x[C][H][W]:        for h, for w, for brick of C: P planes
  weights w[F][C/g][KH][KW]:     for f, for ky, for kx, for brick of C/g: Pw planes
  fc weights [F][C][H][W]:       as conv weights with KH=H, KW=W
  bias b[F]:                     int32 little-endian per filter

CLI: pack_bitplanes.py --kind act|weight|bias --prec P [--signed] [--groups G]
                       [--chw C,H,W] in.npy out.bin
"""
import argparse
import sys

import numpy as np

LANES = 16


def check_range(x, prec, signed, what="tensor"):
    """Raise ValueError unless every value of x fits `prec` bits."""
    if not 1 <= prec <= 16:
        raise ValueError(f"{what}: precision {prec} outside 1..16")
    lo, hi = (-(1 << (prec - 1)), (1 << (prec - 1)) - 1) if signed else (0, (1 << prec) - 1)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{what}: dtype {x.dtype} is not an integer type")
    if x.size and (x.min() < lo or x.max() > hi):
        bad = x[(x < lo) | (x > hi)].ravel()[0]
        kind = "signed" if signed else "unsigned"
        raise ValueError(f"{what}: value {bad} does not fit {prec}-bit {kind} "
                         f"range [{lo}, {hi}] (min {x.min()}, max {x.max()})")


def _planes(bricks, prec):
    """bricks[..., 16] (int) -> uint16 words [..., prec], plane 0 first."""
    u = np.asarray(bricks, dtype=np.int64) & ((1 << prec) - 1)  # two's complement bits
    p = np.arange(prec, dtype=np.int64)
    bits = (u[..., None, :] >> p[:, None]) & 1                  # [..., prec, 16]
    return (bits << np.arange(LANES, dtype=np.int64)).sum(axis=-1).astype("<u2")


def _unplanes(words, prec, signed):
    """uint16 words [..., prec] -> int64 values [..., 16] (inverse of _planes)."""
    w = np.asarray(words, dtype=np.int64)
    bits = (w[..., :, None] >> np.arange(LANES, dtype=np.int64)) & 1    # [..., prec, 16]
    v = (bits << np.arange(prec, dtype=np.int64)[:, None]).sum(axis=-2)
    if signed:
        v = np.where(v >= (1 << (prec - 1)), v - (1 << prec), v)
    return v


def _pad_channels(x, axis):
    """Zero-pad `axis` to a multiple of 16 and split it into (bricks, 16)."""
    c = x.shape[axis]
    nb = -(-c // LANES)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, nb * LANES - c)
    x = np.pad(x, pad)
    return x.reshape(x.shape[:axis] + (nb, LANES) + x.shape[axis + 1:])


def pack_act(x, prec, signed=False):
    """x[C][H][W] -> bytes, H*W*ceil(C/16)*prec*2 long."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"activations: expected shape [C,H,W], got {list(x.shape)}")
    check_range(x, prec, signed, "activations")
    b = _pad_channels(x.astype(np.int64), 0).transpose(2, 3, 0, 1)  # [H][W][brick][16]
    return _planes(b, prec).tobytes()


def unpack_act(data, shape, prec, signed=False):
    """bytes -> int64 x[C][H][W] (inverse of pack_act)."""
    c, h, w = shape
    nb = -(-c // LANES)
    words = np.frombuffer(data, dtype="<u2").reshape(h, w, nb, prec)
    v = _unplanes(words, prec, signed)                     # [H][W][brick][16]
    return v.transpose(2, 3, 0, 1).reshape(nb * LANES, h, w)[:c].copy()


def weights_4d(w, chw=None):
    """Accept conv/fc weights [F][C][KH][KW], or fc weights [F][C*H*W] with chw=(C,H,W)."""
    w = np.asarray(w)
    if w.ndim == 2 and chw is not None:
        if int(np.prod(chw)) != w.shape[1]:
            raise ValueError(f"weights: {w.shape[1]} columns do not match C*H*W of {list(chw)}")
        return w.reshape((w.shape[0],) + tuple(chw))
    if w.ndim != 4:
        raise ValueError(f"weights: expected shape [F,C/g,KH,KW] (or [F,C*H*W] with C,H,W "
                         f"given), got {list(w.shape)}")
    return w


def pack_weights(w, prec, groups=1, chw=None):
    """w[F][C/g][KH][KW] (signed) -> bytes, F*KH*KW*ceil((C/g)/16)*prec*2 long."""
    w = weights_4d(w, chw)
    if groups < 1 or w.shape[0] % groups:
        raise ValueError(f"weights: {w.shape[0]} filters not divisible by groups={groups}")
    check_range(w, prec, True, "weights")
    b = _pad_channels(w.astype(np.int64), 1).transpose(0, 3, 4, 1, 2)  # [F][KH][KW][brick][16]
    return _planes(b, prec).tobytes()


def unpack_weights(data, shape, prec):
    """bytes -> int64 w[F][C/g][KH][KW] (inverse of pack_weights)."""
    f, cg, kh, kw = shape
    nb = -(-cg // LANES)
    words = np.frombuffer(data, dtype="<u2").reshape(f, kh, kw, nb, prec)
    v = _unplanes(words, prec, True)                        # [F][KH][KW][brick][16]
    return v.transpose(0, 3, 4, 1, 2).reshape(f, nb * LANES, kh, kw)[:, :cg].copy()


def pack_bias(b):
    """b[F] -> int32 little-endian bytes."""
    b = np.asarray(b)
    if b.ndim != 1:
        raise ValueError(f"bias: expected shape [F], got {list(b.shape)}")
    if b.size and (b.min() < -2**31 or b.max() > 2**31 - 1):
        raise ValueError(f"bias: values {b.min()}..{b.max()} do not fit int32")
    return b.astype("<i4").tobytes()


def unpack_bias(data):
    return np.frombuffer(data, dtype="<i4").astype(np.int64)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=["act", "weight", "bias"], required=True)
    ap.add_argument("--prec", type=int, help="stored precision P (1..16); not for bias")
    ap.add_argument("--signed", action="store_true",
                    help="activations are two's complement (weights always are)")
    ap.add_argument("--groups", type=int, default=1,
                    help="weights: conv groups (only checked: F must be divisible)")
    ap.add_argument("--chw", help="fc weights given as [F, C*H*W]: the input shape C,H,W")
    ap.add_argument("input", help=".npy file (integer dtype)")
    ap.add_argument("output", help="packed binary file")
    a = ap.parse_args(argv)
    if a.kind != "bias" and a.prec is None:
        ap.error("--prec is required for act and weight")
    x = np.load(a.input, allow_pickle=False)
    try:
        if a.kind == "act":
            data = pack_act(x, a.prec, a.signed)
        elif a.kind == "weight":
            chw = tuple(int(v) for v in a.chw.split(",")) if a.chw else None
            data = pack_weights(x, a.prec, a.groups, chw)
        else:
            data = pack_bias(x)
    except ValueError as e:
        print(f"pack_bitplanes: {a.input}: {e}", file=sys.stderr)
        return 2
    with open(a.output, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
