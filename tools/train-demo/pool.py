"""Draws the training pool (scene specs + captions + token ids) and the
held-out evaluation set (demo/heldout.json).

The pool lets the GPU run (train_gpu.py) render and condition without the Go
tokenizer; token ids come from tools/train-demo/tokenize, i.e. the engine's
own CLIP and T5 tokenizers.
"""
import argparse
import json
import os
import random
import subprocess

import numpy as np

import common
import world

CLIP_COLS = 48  # CLIP ids are cut here (all captions end well before); pads are 49407


def tokenize(caps):
    exe = os.path.join(common.RUNS, "tokenize")
    subprocess.run(["go", "build", "-o", exe, "./tools/train-demo/tokenize"], cwd=common.ROOT, check=True)
    r = subprocess.run([exe, "-t5-len", str(common.T5_LEN)], input="\n".join(caps) + "\n", capture_output=True,
                       text=True, check=True)
    clip, t5, dropped = [], [], 0
    for line in r.stdout.splitlines():
        d = json.loads(line)
        assert d["clip"][CLIP_COLS:] == [49407] * (77 - CLIP_COLS), d
        clip.append(d["clip"][:CLIP_COLS])
        t5.append(d["t5"])
        dropped += d["t5_dropped"] > 0
    assert len(clip) == len(caps)
    return np.array(clip, dtype=np.uint16), np.array(t5, dtype=np.uint16), dropped


def eval_noise(seeds, side=None):
    """The engine's noise for these seeds (--rng torch-bf16, BFL get_noise)."""
    import torch
    n = side or common.latent_size()
    return np.stack([torch.randn((16, n, n), generator=torch.Generator().manual_seed(s), dtype=torch.bfloat16).float().numpy()
                     for s in seeds])


def heldout_set(n, seed, heldout=True):
    """n scenes with their captions (demo/heldout.json's entries); heldout False: the training templates."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        sp = world.sample_spec(rng, heldout=heldout)
        out.append({"prompt": world.caption(rng, sp, heldout=heldout), "bg": sp["bg"], "shapes": sp["shapes"]})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=160000)
    ap.add_argument("--heldout", type=int, default=240)
    ap.add_argument("--no-heldout-file", action="store_true")
    a = ap.parse_args()
    common.setup()
    rng = random.Random(7)
    specs = [world.sample_spec(rng) for _ in range(a.n)]
    caps = [world.caption(rng, s) for s in specs]
    clip, t5, dropped = tokenize(caps)
    held = heldout_set(a.heldout, 99)
    hclip, ht5, hdropped = tokenize([h["prompt"] for h in held])
    noise = eval_noise([0, 1, 2, 3])
    np.savez_compressed(os.path.join(common.RUNS, "pool.npz"), noise=noise,
                        spec=np.array([world.spec_array(s) for s in specs], dtype=np.float32), clip=clip, t5=t5,
                        hspec=np.array([world.spec_array(h) for h in held], dtype=np.float32), hclip=hclip, ht5=ht5)
    if a.no_heldout_file:
        return
    with open(os.path.join(common.ROOT, "demo", "heldout.json"), "w") as f:
        json.dump({"seeds": [0, 1, 2, 3], "prompts": held}, f, indent=0)
    print("pool", a.n, "t5 truncated", dropped, "heldout truncated", hdropped)


if __name__ == "__main__":
    main()
