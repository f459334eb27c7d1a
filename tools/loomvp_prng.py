"""Deterministic tensor initialiser shared (by specification) with the C++ loader.

A workload tensor given as {"uniform": {"seed": S, "low": L, "high": H}} holds,
for its i-th element in C order (i = 0, 1, ...), the (i+1)-th output of
splitmix64 seeded with S, mapped onto [L, H] by `L + (z % (H - L + 1))`, all in
unsigned 64-bit arithmetic (mod 2^64). The modulo bias is accepted: the values
only need to be reproducible, not perfectly uniform.
"""
import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
MUL1 = 0xBF58476D1CE4E5B9
MUL2 = 0x94D049BB133111EB
_CHUNK = 1 << 22  # elements per step: bounds temporary memory on huge tensors


def splitmix64(seed, count, start=0):
    """Outputs start .. start+count-1 of splitmix64(seed) as a uint64 array."""
    out = np.empty(count, dtype=np.uint64)
    seed = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    g, m1, m2 = np.uint64(GOLDEN), np.uint64(MUL1), np.uint64(MUL2)
    s30, s27, s31 = np.uint64(30), np.uint64(27), np.uint64(31)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps mod 2^64 on purpose
        for lo in range(0, count, _CHUNK):
            n = min(_CHUNK, count - lo)
            # state after k increments is seed + k*GOLDEN: no sequential dependency.
            z = np.arange(start + lo + 1, start + lo + 1 + n, dtype=np.uint64)
            z *= g
            z += seed
            z ^= z >> s30
            z *= m1
            z ^= z >> s27
            z *= m2
            z ^= z >> s31
            out[lo:lo + n] = z
    return out


def uniform(shape, seed, low, high):
    """int64 tensor of `shape` with values in [low, high] (inclusive)."""
    low, high = int(low), int(high)
    if not (-2**63 <= low <= high < 2**63):
        raise ValueError(f"uniform: need -2^63 <= low <= high < 2^63, got {low}..{high}")
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    count = int(np.prod(shape, dtype=np.int64))
    z = splitmix64(int(seed), count)
    span = (high - low + 1) & 0xFFFFFFFFFFFFFFFF  # 0 means the full 2^64 range
    with np.errstate(over="ignore"):
        if span:
            z %= np.uint64(span)
        z += np.uint64(low & 0xFFFFFFFFFFFFFFFF)
    return z.view(np.int64).reshape(shape)
