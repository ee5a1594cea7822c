"""The synthetic world: scene specs, captions and the renderer.

The tables (colors, shapes, templates) live in demo/world.json, which the Go
twin (package demo) embeds too, so the two cannot drift apart. The geometry
below is mirrored line by line in demo/render.go.
"""
import json
import math
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
W = json.load(open(os.path.join(HERE, "..", "..", "demo", "world.json")))
S = W["size"]
COLORS = {c["name"]: tuple(c["rgb"]) for c in W["colors"]}
COLOR_NAMES = [c["name"] for c in W["colors"]]
SCENES = {s["name"]: s for s in W["scenes"]}
SHAPES = W["shapes"]
POSITIONS = list(W["positions"].keys())


def dist(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def bg_colors(bg):
    if bg in SCENES:
        return [tuple(SCENES[bg]["top"]), tuple(SCENES[bg]["bottom"])]
    return [COLORS[bg]]


def heldout_combo(color, shape, pos):
    """Single-shape (color, shape, position) triples never shown in training."""
    ci, si, pi = COLOR_NAMES.index(color), SHAPES.index(shape), POSITIONS.index(pos)
    return (ci * 7 + si * 3 + pi) % W["heldout_combo_modulus"] == 0


def sample_spec(rng, heldout=False):
    """A random scene: background and one or two shapes. Training draws
    (heldout False) never hold a held-out single-shape combination."""
    while True:
        if rng.random() < W["scene_fraction"]:
            bg = rng.choice(list(SCENES))
        else:
            bg = rng.choice(COLOR_NAMES)
        two = rng.random() < W["two_shape_fraction"]
        poss = list(rng.choice(W["pairs"])) if two else [rng.choice(POSITIONS)]
        if two and rng.random() < 0.5:
            poss.reverse()
        shapes, used = [], bg_colors(bg)
        ok = True
        for p in poss:
            cands = [c for c in COLOR_NAMES if all(dist(COLORS[c], u) >= W["min_color_distance"] for u in used)]
            if not cands:
                ok = False
                break
            c = rng.choice(cands)
            used.append(COLORS[c])
            j = W["jitter"]
            shapes.append({"shape": rng.choice(SHAPES), "color": c, "size": rng.choice(["small", "large"]),
                           "pos": p, "dx": rng.uniform(-j, j), "dy": rng.uniform(-j, j)})
        if not ok:
            continue
        if not heldout and not two and heldout_combo(shapes[0]["color"], shapes[0]["shape"], shapes[0]["pos"]):
            continue
        return {"bg": bg, "shapes": shapes}


def bg_phrase(rng, bg, heldout=False):
    if bg in SCENES:
        return rng.choice(SCENES[bg]["phrases"])
    t = rng.choice(W["heldout_bg_color_templates"] if heldout else W["bg_color_templates"])
    return t.replace("{c}", bg)


def caption(rng, spec, heldout=False):
    """A caption from the training (or held-out) templates."""
    sh = spec["shapes"]
    if len(sh) == 1:
        t = rng.choice(W["heldout_one_templates"] if heldout else W["one_templates"])
        sl = {"": sh[0]}
    else:
        t = rng.choice(W["heldout_two_templates"] if heldout else W["two_templates"])
        sl = {"1": sh[0], "2": sh[1]}
    for k, s in sl.items():
        t = t.replace("{size%s}" % k, rng.choice(W["size_words"][s["size"]]))
        t = t.replace("{color%s}" % k, s["color"])
        t = t.replace("{shape%s}" % k, rng.choice(W["shape_words"][s["shape"]]))
        t = t.replace("{pos%s}" % k, rng.choice(W["position_words"][s["pos"]]))
    t = t.replace("{bg}", bg_phrase(rng, spec["bg"], heldout))
    return t


def spec_array(spec):
    """The renderer's numbers: [top rgb, bottom rgb, n, (kind, rgb, cx, cy, r) x 2]."""
    top, bottom = (bg_colors(spec["bg"]) * 2)[:2]
    a = list(top) + list(bottom) + [len(spec["shapes"])]
    for i in range(2):
        if i < len(spec["shapes"]):
            s = spec["shapes"][i]
            a += [SHAPES.index(s["shape"])] + list(COLORS[s["color"]])
            a += [W["positions"][s["pos"]][0] + s["dx"], W["positions"][s["pos"]][1] + s["dy"], W["sizes"][s["size"]]]
        else:
            a += [0] * 7
    return a


# ---- renderer (mirrored in demo/render.go) ----

def _star_poly(cx, cy, R):
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = R if k % 2 == 0 else 0.45 * R
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _in_poly(pts, u, v):
    inside = np.zeros(u.shape, dtype=bool)
    n = len(pts)
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        cond = (y1 > v) != (y2 > v)
        xint = x1 + (v - y1) * (x2 - x1) / ((y2 - y1) if y2 != y1 else 1e-12)
        inside ^= cond & (u < xint)
    return inside


def inside(s, u, v):
    cx = W["positions"][s["pos"]][0] + s["dx"]
    cy = W["positions"][s["pos"]][1] + s["dy"]
    r = W["sizes"][s["size"]]
    dx, dy = u - cx, v - cy
    kind = s["shape"]
    if kind == "circle":
        return dx * dx + dy * dy <= r * r
    if kind == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) <= 0.85 * r
    if kind == "triangle":
        R = 1.15 * r
        return (dy <= R / 2) & (0.8660254 * dx - 0.5 * dy <= R / 2) & (-0.8660254 * dx - 0.5 * dy <= R / 2)
    if kind == "star":
        return _in_poly(_star_poly(cx, cy, 1.15 * r), u, v)
    if kind == "ring":
        d2 = dx * dx + dy * dy
        return (d2 <= r * r) & (d2 >= (0.55 * r) ** 2)
    raise ValueError(kind)


_sub = None


def render(spec):
    """uint8 HWC image, 2x2 supersampled."""
    global _sub
    if _sub is None:
        ys, xs = np.meshgrid(np.arange(S), np.arange(S), indexing="ij")
        us, vs = [], []
        for j in range(2):
            for i in range(2):
                us.append((xs + 0.25 + 0.5 * i) / S)
                vs.append((ys + 0.25 + 0.5 * j) / S)
        _sub = (np.stack(us), np.stack(vs))
    u, v = _sub
    img = np.zeros(u.shape + (3,), dtype=np.float64)
    bg = spec["bg"]
    if bg in SCENES:
        top = v < W["horizon"]
        img[:] = np.where(top[..., None], np.array(SCENES[bg]["top"], float), np.array(SCENES[bg]["bottom"], float))
    else:
        img[:] = np.array(COLORS[bg], float)
    for s in spec["shapes"]:
        m = inside(s, u, v)
        img[m] = np.array(COLORS[s["color"]], float)
    out = img.mean(axis=0)
    return np.floor(out + 0.5).clip(0, 255).astype(np.uint8)


if __name__ == "__main__":
    rng = random.Random(0)
    from PIL import Image  # only for this preview
    tiles = []
    for i in range(16):
        sp = sample_spec(rng)
        print(caption(rng, sp))
        tiles.append(render(sp))
    grid = np.concatenate([np.concatenate(tiles[r * 4:(r + 1) * 4], axis=1) for r in range(4)], axis=0)
    Image.fromarray(grid).resize((512, 512), Image.NEAREST).save("/tmp/world_preview.png")
