"""The renderer of world.py, batched in torch (runs on the GPU during
training). Input: rows of world.spec_array. Checked against world.render by
test_render.py."""
import math

import torch

import world


def _grid(device):
    s = world.S
    ys, xs = torch.meshgrid(torch.arange(s, device=device), torch.arange(s, device=device), indexing="ij")
    us, vs = [], []
    for j in range(2):
        for i in range(2):
            us.append((xs + 0.25 + 0.5 * i) / s)
            vs.append((ys + 0.25 + 0.5 * j) / s)
    return torch.stack(us).reshape(1, -1).double(), torch.stack(vs).reshape(1, -1).double()


def _star(cx, cy, r, u, v):
    R = 1.15 * r
    inside = torch.zeros(cx.shape[0], u.shape[1], dtype=torch.bool, device=u.device)
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = R if k % 2 == 0 else 0.45 * R
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    for k in range(10):
        x1, y1 = pts[k]
        x2, y2 = pts[(k + 1) % 10]
        x1, y1, x2, y2 = (t[:, None] for t in (x1, y1, x2, y2))
        cond = (y1 > v) != (y2 > v)
        den = torch.where(y2 != y1, y2 - y1, torch.full_like(y1, 1e-12))
        xint = x1 + (v - y1) * (x2 - x1) / den
        inside ^= cond & (u < xint)
    return inside


def _mask(kind, cx, cy, r, u, v):
    dx, dy = u - cx[:, None], v - cy[:, None]
    rr = r[:, None]
    d2 = dx * dx + dy * dy
    R = 1.15 * rr
    masks = [
        d2 <= rr * rr,
        torch.maximum(dx.abs(), dy.abs()) <= 0.85 * rr,
        (dy <= R / 2) & (0.8660254 * dx - 0.5 * dy <= R / 2) & (-0.8660254 * dx - 0.5 * dy <= R / 2),
        _star(cx, cy, r, u, v),
        (d2 <= rr * rr) & (d2 >= (0.55 * rr) ** 2),
    ]
    out = torch.zeros_like(masks[0])
    for i, m in enumerate(masks):
        out |= m & (kind[:, None] == i)
    return out


_cache = {}


def render(spec):
    """spec: (B, 20) tensor -> (B, 3, S, S) float in [-1, 1] (8-bit levels)."""
    dev = spec.device
    if dev not in _cache:
        _cache[dev] = _grid(dev)
    u, v = _cache[dev]
    spec = spec.double()
    b = spec.shape[0]
    top = v < world.W["horizon"]
    img = torch.where(top[..., None], spec[:, None, 0:3], spec[:, None, 3:6])  # (B, P, 3)
    n = spec[:, 6]
    for i in range(2):
        o = 7 + 7 * i
        kind = spec[:, o].long()
        m = _mask(kind, spec[:, o + 4], spec[:, o + 5], spec[:, o + 6], u, v) & (n > i)[:, None]
        img = torch.where(m[..., None], spec[:, None, o + 1:o + 4], img)
    s = world.S
    img = img.reshape(b, 4, s, s, 3).mean(1)
    img = torch.floor(img + 0.5).clamp(0, 255)
    return (img.permute(0, 3, 1, 2) / 127.5 - 1).float()
