"""A prompt set drawn by an exported model in PyTorch, batched (a minute on 2
cores where the engine's CPU reference executor takes a quarter hour), written
as pNNN_sS.png for `flux-vk eval-demo --judge DIR`. Same tokens, noise,
schedule and BF16 weights as the engine (pictures within 1 level of its own).

  /usr/bin/python3 heldout_samples.py --model runs/cpu5/model --out /tmp/s4          # the held-out set
  /usr/bin/python3 heldout_samples.py --model runs/cpu5/model --flux runs/cpu5/teacher --steps 50 --seeds 1 --out /tmp/t50
  /usr/bin/python3 heldout_samples.py --model ../../demo/model --flux teacher/transformer.safetensors --steps 50 --seeds 1 --out /tmp/t50

--train-set N first writes N scenes captioned with the *training* templates to --set (eval-demo --set reads
it too): a model that draws those right but not the held-out ones misreads new phrasings; one that fails
both cannot draw yet.

  /usr/bin/python3 heldout_samples.py --model M --set /tmp/train240.json --train-set 240 --out /tmp/tr
  flux-vk eval-demo --set /tmp/train240.json --judge /tmp/tr --full

--probe-set first writes the easiest scenes there are to --set: one large shape in the center, each of the
five classes on the same eight color pairs, captioned with the first training template and the shapes'
plain names, seeds 0-1. A transformer that has not yet learnt what the shape word means draws the same
blob for all five (about a fifth right: the blobs read as circles) long before the held-out set shows it.

  /usr/bin/python3 heldout_samples.py --model M --cfg 2.5 --set /tmp/probe.json --probe-set --out /tmp/pr
  flux-vk eval-demo --set /tmp/probe.json --judge /tmp/pr --full
"""
import argparse
import json
import os

import numpy as np
import torch

import common
import pool as pool_mod
import quant
import sample
import st
import train_gpu


class PromptSet:
    """What sample_heldout reads from a Pool: token ids and the number of seeds."""

    def __init__(self, path):
        h = json.load(open(path))
        clip, t5, _ = pool_mod.tokenize([p["prompt"] for p in h["prompts"]])
        self.hclip, self.ht5 = torch.tensor(clip.astype(np.int64)), torch.tensor(t5.astype(np.int64))
        self.seeds = len(h["seeds"])
        assert h["seeds"] == list(range(self.seeds)), "seeds must be 0..N-1 (the engine's noise for them)"


def write_train_set(path, n, seed=4242):
    with open(path, "w") as f:
        json.dump({"seeds": [0], "prompts": pool_mod.heldout_set(n, seed, heldout=False)}, f, indent=0)


PROBE_COLORS = [("yellow", "blue"), ("red", "green"), ("white", "black"), ("cyan", "purple"),
                ("orange", "gray"), ("pink", "brown"), ("green", "white"), ("black", "yellow")]


def probe_scene(shape, color, bg):
    """One large shape in the center, without jitter, captioned with the first training template in plain
    words (a demo/heldout.json entry: prompt, ground truth)."""
    return {"prompt": "a large %s %s in the center, %s background" % (color, shape, bg), "bg": bg,
            "shapes": [{"shape": shape, "color": color, "size": "large", "pos": "center", "dx": 0.0, "dy": 0.0}]}


def write_probe_set(path):
    import world
    prompts = []
    for shape in world.W["shapes"]:
        for color, bg in PROBE_COLORS:
            assert world.dist(world.COLORS[color], world.COLORS[bg]) >= world.W["min_color_distance"], (color, bg)
            prompts.append(probe_scene(shape, color, bg))
    with open(path, "w") as f:
        json.dump({"seeds": [0, 1], "prompts": prompts}, f, indent=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="exported model folder")
    ap.add_argument("--flux", help="another exported folder whose transformer replaces the model's (a teacher), "
                    "or a single-file transformer such as teacher/transformer.safetensors")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--cfg", type=float, default=1.0, help="classifier-free guidance scale against the empty caption")
    ap.add_argument("--weight-type", choices=quant.KINDS, help="the linear layers' weights quantized as the engine's --weight-type")
    ap.add_argument("--prompts", type=int, help="the first N prompts (default all)")
    ap.add_argument("--seeds", type=int, help="seeds 0..N-1 (default all of the set's)")
    ap.add_argument("--set", help="a prompt set file (demo/heldout.json's format) instead of the pool's held-out set")
    ap.add_argument("--train-set", type=int, help="first write this many training-template scenes to --set")
    ap.add_argument("--probe-set", action="store_true", help="first write the large-centered-shapes probe to --set")
    ap.add_argument("--pool", default=os.path.join(common.RUNS, "pool.npz"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    common.setup()
    if a.train_set:
        write_train_set(a.set, a.train_set)
    if a.probe_set:
        write_probe_set(a.set)
    flux, ae, clip, t5, _ = sample.load(a.model)
    if a.flux:
        flux = sample.load_flux(a.flux)
    prompts = PromptSet(a.set) if a.set else train_gpu.Pool(a.pool, "cpu")
    prompts.seeds = a.seeds or prompts.seeds
    imgs = train_gpu.sample_heldout(flux, clip, t5, ae, prompts, a.steps, "cpu", a.prompts, a.cfg, a.weight_type)
    os.makedirs(a.out, exist_ok=True)
    for p in range(imgs.shape[0]):
        for s in range(imgs.shape[1]):
            st.write_png(os.path.join(a.out, "p%03d_s%d.png" % (p, s)), imgs[p, s])


if __name__ == "__main__":
    with torch.no_grad():
        main()
