"""The engine's --weight-type q8_0 / q4_0 in PyTorch, for measuring and for training against it.

The engine stores every linear layer's weight whose rows are whole blocks of 32 values in ggml's
formats (engine/kernels/quant.go): per block one f16 scale d and integer codes q, value q·d. Q8_0:
d = |m|/127, q in [-127, 127]; Q4_0: d = -m/8, q in [-8, 7], where m is the block's value of
largest magnitude (the first such). Linear layers here are nn.Linear and the autoencoder's 1×1
attention convolutions (the engine runs those as linear layers; its other convolutions stay as
stored).
"""
import contextlib
import copy

import torch

import models

QBLOCK = 32
KINDS = ("q8_0", "q4_0")


def dequant(w, kind):
    """The values the engine computes with for weight w ([n, k, ...], k a multiple of 32)."""
    n = w.shape[0]
    b = w.detach().float().reshape(n, -1, QBLOCK)
    m = b.gather(-1, b.abs().argmax(-1, keepdim=True))
    d = (m.abs() / 127 if kind == "q8_0" else -m / 8).half().float()  # the scale is stored as f16
    lo, hi = (-127, 127) if kind == "q8_0" else (-8, 7)
    q = torch.round(b / torch.where(d == 0, torch.ones_like(d), d)).clamp(lo, hi)  # round half to even, like Go's
    return (q * d).reshape(w.shape)


def weights(m):
    """The weights of m that the engine quantizes."""
    out = []
    for mod in m.modules():
        if isinstance(mod, torch.nn.Linear) and mod.in_features % QBLOCK == 0:
            out.append(mod.weight)
        elif isinstance(mod, models.AttnBlock):
            out += [c.weight for c in (mod.q, mod.k, mod.v, mod.proj_out) if c.in_channels % QBLOCK == 0]
    return out


def fake(m, kind):
    """A copy of m whose quantized weights hold the engine's values (kind None: m itself)."""
    if kind is None:
        return m
    m = copy.deepcopy(m)
    with torch.no_grad():
        for w in weights(m):
            w.copy_(dequant(w, kind))
    return m


@contextlib.contextmanager
def straight_through(m, kind):
    """Inside, m's quantized weights hold the engine's values; on leaving, the float weights are put
    back and keep the gradients taken at the quantized ones (the straight-through estimator:
    quantization-aware training)."""
    ws = weights(m)
    saved = [w.detach().clone() for w in ws]
    with torch.no_grad():
        for w in ws:
            w.copy_(dequant(w, kind))
    try:
        yield m
    finally:
        with torch.no_grad():
            for w, s in zip(ws, saved):
                w.copy_(s)
