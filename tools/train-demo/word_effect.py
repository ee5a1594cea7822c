"""How much the transformer's first prediction depends on the shape word, against the color word.

At t = 1 the velocity gives the expected picture for a caption, x0 = x1 - v(x1, caption): for each of
the probe's eight color pairs (heldout_samples.PROBE_COLORS) the five shape words' expected latents are
compared (their spread: mean squared distance from their mean), and likewise five color words for the
same shape. A model that has learnt shapes moves its expected picture with the shape word; the ratio
shape / color says how far, in a number that grows before the judge sees any shape drawn right.

  /usr/bin/python3 word_effect.py --model ../../demo/model --flux teacher/transformer.safetensors
"""
import argparse

import numpy as np
import torch

import common
import heldout_samples
import models
import pool as pool_mod
import render_torch
import sample
import train_gpu
import world


def spread(x):
    """Mean squared distance of a group's members from their mean: (groups, members, ...) -> scalar."""
    return (x - x.mean(1, keepdim=True)).pow(2).mean().item()


@torch.no_grad()
def expected(flux, clip, t5, scenes, noise):
    cid, tid, _ = pool_mod.tokenize([s["prompt"] for s in scenes])
    y, txt = train_gpu.cond(clip, t5, torch.tensor(cid.astype(np.int64)), torch.tensor(tid.astype(np.int64)))
    n = len(scenes)
    out = []
    for x1 in noise:
        x = x1[None].expand(n, -1, -1)
        out.append(x - train_gpu.predict(flux, x, torch.ones(n), y, txt))
    return torch.stack(out)  # (noises, scenes, tokens, 64)


@torch.no_grad()
def truth(ae, scenes):
    """The scenes' true pictures, encoded (packed)."""
    x = render_torch.render(torch.tensor(np.array([world.spec_array(s) for s in scenes], dtype=np.float32)))
    return models.pack(ae.encode(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--flux")
    ap.add_argument("--noises", type=int, default=4)
    a = ap.parse_args()
    common.setup()
    flux, ae, clip, t5, _ = sample.load(a.model)
    if a.flux:
        flux = sample.load_flux(a.flux)
    side = common.latent_size(ae.p)
    noise = torch.stack([torch.randn((side // 2) ** 2, 64, generator=torch.Generator().manual_seed(s))
                         for s in range(a.noises)])
    shapes, colors = world.W["shapes"], [c for c, _ in heldout_samples.PROBE_COLORS]
    scene = heldout_samples.probe_scene
    by_shape = [scene(s, c, b) for c, b in heldout_samples.PROBE_COLORS for s in shapes]
    e = expected(flux, clip, t5, by_shape, noise).reshape(a.noises * len(colors), len(shapes), -1)
    # color groups: the same shape and background, five shape colors that differ from it
    by_color = []
    for s in shapes:
        for _, b in heldout_samples.PROBE_COLORS:
            cs = [c for c in world.COLORS if world.dist(world.COLORS[c], world.COLORS[b]) >= world.W["min_color_distance"]][:5]
            by_color += [scene(s, c, b) for c in cs]
    f = expected(flux, clip, t5, by_color, noise).reshape(a.noises * len(by_color) // 5, 5, -1)
    sh, co = spread(e), spread(f)
    # the same groups' true pictures, encoded: the ratio a model that knows every word would reach
    # (its expected picture is the true one, up to the renderer's small jitter of the position)
    tsh = spread(truth(ae, by_shape).reshape(len(colors), len(shapes), -1))
    tco = spread(truth(ae, by_color).reshape(len(by_color) // 5, 5, -1))
    print("spread of the expected latent: shape words %.5f, color words %.5f, ratio %.3f; true pictures' "
          "ratio %.3f; learnt %.0f%%" % (sh, co, sh / co, tsh / tco, 100 * (sh / co) / (tsh / tco)))


if __name__ == "__main__":
    main()
