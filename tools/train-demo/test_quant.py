"""quant.dequant follows engine/kernels/quant.go's Q8_0 and Q4_0 on hand-worked blocks; quant.weights picks
the layers the engine quantizes; straight_through puts the float weights back with the gradient.
(End to end, heldout_samples.py --weight-type gave the engine's own --weight-type q4_0 pictures, byte for
byte, on 40 held-out prompts of two models.)"""
import torch

import models
import quant


def block(*head):
    """A block of 32 values: head, then zeros."""
    return torch.tensor(list(head) + [0.0] * (32 - len(head)))[None]


def main():
    # Q4_0: d = -m/8 with m the value of largest magnitude (-4 here): d = 0.5, codes in [-8, 7]
    got = quant.dequant(block(-4.0, 1.0, 0.75, 0.25, 3.9), "q4_0")
    want = block(-4.0, 1.0, 1.0, 0.0, 3.5)  # 0.75/0.5 = 1.5 -> 2 (half to even), 0.25/0.5 -> 0, 3.9/0.5 -> 7.8 -> 7 (clamped)
    assert torch.equal(got, want), got
    # a positive maximum flips the scale's sign: d = -4/8, 4 -> -8 (in range), -4 -> 8 -> 7 (clamped): -3.5
    assert torch.equal(quant.dequant(block(4.0, -4.0), "q4_0"), block(4.0, -3.5))
    # Q8_0: d = |m|/127, stored as f16
    d = torch.tensor(127.0 / 127).half().float()
    assert torch.equal(quant.dequant(block(-127.0, 63.5, 1.4), "q8_0"), block(-127.0, 64.0, 1.0) * d)
    # an all-zero block stays zero (no division by a zero scale)
    assert torch.equal(quant.dequant(torch.zeros(2, 64), "q4_0"), torch.zeros(2, 64))
    # the scale is rounded to f16 before the codes are taken against it
    x = block(-1.0001, 0.3)
    d = (torch.tensor(1.0001) / 8).half().float()
    assert torch.equal(quant.dequant(x, "q4_0"), block(-8, round(0.3 / d.item())) * d)

    # layers: linear layers whose rows are whole blocks, and the autoencoder's 1x1 attention convolutions
    lin32, lin8 = torch.nn.Linear(32, 4), torch.nn.Linear(8, 4)
    attn = models.AttnBlock(64)
    ws = quant.weights(torch.nn.ModuleList([lin32, lin8, attn, torch.nn.Conv2d(32, 32, 3)]))
    assert [id(w) for w in ws] == [id(lin32.weight)] + [id(c.weight) for c in (attn.q, attn.k, attn.v, attn.proj_out)]

    # straight-through: the forward sees the quantized weight; the float weight comes back, gradient kept
    torch.manual_seed(0)
    lin = torch.nn.Linear(32, 3, bias=False)
    w0 = lin.weight.detach().clone()
    x = torch.randn(5, 32)
    with quant.straight_through(lin, "q4_0"):
        y = lin(x)
        y.sum().backward()
    assert torch.allclose(y, x @ quant.dequant(w0, "q4_0").T)
    assert torch.equal(lin.weight, w0)
    assert torch.allclose(lin.weight.grad, x.sum(0).expand(3, -1))
    print("quant: q8_0 / q4_0 blocks, quantized layers and straight-through: as the engine")


if __name__ == "__main__":
    main()
