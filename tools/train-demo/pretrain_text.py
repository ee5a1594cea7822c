"""Stage 0: the text encoders learn to read captions before the transformer
sees them, as FLUX.1's CLIP and T5 were trained long before the transformer.

Trained from scratch through the flow loss alone, the small CLIP and T5 learn
the captions slowly and misread the held-out phrasings (the shipped model paints
a pink background for "over a solid purple background"). Here they learn the
scene from the caption directly: small read-out heads predict, from CLIP's
pooled vector and from attention over T5's tokens, the background and, for
each of the five places, which color, shape and size stands there (or none).
The labels are keyed by place, not by word order, so the encoders must bind
each word to its shape by meaning. The heads are dropped afterwards; stage 2
(train_gpu.py --text) keeps the encoders fixed.

Captions are drawn from the training templates only, with generic paraphrase
noise (clauses reordered, commas dropped, a filler opening) so that no single
word order carries the meaning. The held-out captions are only measured.

  /usr/bin/python3 pretrain_text.py --out runs/text --minutes 10
"""
import argparse
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import models
import pool as pool_mod
import world

BGS = world.COLOR_NAMES + list(world.SCENES)  # 16 backgrounds
NC, NS, NZ = len(world.COLOR_NAMES) + 1, len(world.SHAPES) + 1, 3  # the last class of each: nothing there
FILLERS = ["", "", "", "a picture of ", "here is ", "a scene with ", "look: ", "simple graphic, ", "a render of "]


W_TEMPLATES = world.W["one_templates"] + world.W["two_templates"] + world.W["bg_color_templates"]


def joining_words():
    """Words that join a caption's parts: the training templates' own words and the scene phrases'
    prepositions, never a color, shape, size, position or scene noun, nor a word that names what the
    parts are ("background", "two shapes")."""
    words = set()
    for t in W_TEMPLATES:
        words |= {w.strip(",:;") for w in t.split() if "{" not in w}
    taken = set(world.COLOR_NAMES)
    for group in ("shape_words", "size_words", "position_words"):
        for phrases in world.W[group].values():
            for p in phrases:
                taken |= {w for w in p.split() if w not in ("on", "at", "in", "the", "near")}
    return sorted((words | {"over", "above", "under", "the"}) - taken - {"", "background", "backdrop", "shapes", "two"})


JOINING = joining_words()


def insert_words(rng, cap, words):
    """cap with one or two of words put in at random places."""
    ws = cap.split()
    for _ in range(rng.choice([1, 2])):
        ws.insert(rng.randrange(len(ws) + 1), rng.choice(words))
    return " ".join(ws)


def augment(rng, cap, insert=0.0):
    """Generic paraphrase noise: the clauses in another order, commas dropped, a filler opening, and
    (with probability insert) one or two joining words put in at random places, so that no such word
    alone decides the meaning (in training "over" only ever appears in a two-color scene)."""
    if insert and rng.random() < insert:  # no draw at 0: the first run's captions stay the same
        cap = insert_words(rng, cap, JOINING)
    if rng.random() < 0.4:
        parts = cap.split(", ")
        rng.shuffle(parts)
        cap = ", ".join(parts)
    if rng.random() < 0.3:
        cap = " ".join(cap.replace(",", " ").replace(":", " ").split())
    return rng.choice(FILLERS) + cap


def labels(spec):
    """[bg, (color, shape, size) for each place] as class indices."""
    out = [BGS.index(spec["bg"])]
    at = {s["pos"]: s for s in spec["shapes"]}
    for p in world.POSITIONS:
        s = at.get(p)
        out += [world.COLOR_NAMES.index(s["color"]), world.SHAPES.index(s["shape"]), ["small", "large"].index(s["size"])] \
            if s else [NC - 1, NS - 1, NZ - 1]
    return out


def caption_set(n, seed, insert=0.0):
    """n training-template captions with paraphrase noise, their token ids and labels."""
    rng = random.Random(seed)
    specs = [world.sample_spec(rng) for _ in range(n)]
    caps = [augment(rng, world.caption(rng, s), insert) for s in specs]
    clip, t5, _ = pool_mod.tokenize(caps)
    return clip, t5, np.array([labels(s) for s in specs], dtype=np.int64), caps


def heldout_set():
    h = json.load(open(os.path.join(common.ROOT, "demo", "heldout.json")))["prompts"]
    clip, t5, _ = pool_mod.tokenize([p["prompt"] for p in h])
    return clip, t5, np.array([labels(p) for p in h], dtype=np.int64)


class Heads(nn.Module):
    """Read-outs: a linear map of CLIP's pooled vector, and one learned query per slot attending over
    T5's tokens (as the transformer's joint attention will)."""

    def __init__(self, dc, dt):
        super().__init__()
        self.sizes = [len(BGS)] + [NC, NS, NZ] * len(world.POSITIONS)
        self.clip = nn.Linear(dc, sum(self.sizes))
        self.q = nn.Parameter(torch.randn(1 + len(world.POSITIONS), dt) * dt ** -0.5)
        self.k, self.v = nn.Linear(dt, dt), nn.Linear(dt, dt)
        self.bg = nn.Linear(dt, len(BGS))
        self.place = nn.Linear(dt, NC + NS + NZ)

    def forward(self, y, txt):
        w = torch.softmax(torch.einsum("sd,bld->bsl", self.q, self.k(txt)) / txt.shape[-1] ** 0.5, -1)
        r = torch.einsum("bsl,bld->bsd", w, self.v(txt))
        t = torch.cat([self.bg(r[:, 0])] + [self.place(r[:, 1 + i]) for i in range(len(world.POSITIONS))], 1)
        return self.clip(y), t

    def loss_acc(self, logits, lab):
        """Summed cross-entropy over the slots, and per-slot accuracy."""
        loss, acc, o = 0.0, [], 0
        for j, n in enumerate(self.sizes):
            z = logits[:, o:o + n]
            loss = loss + F.cross_entropy(z, lab[:, j])
            acc.append((z.argmax(1) == lab[:, j]).float().mean().item())
            o += n
        return loss, acc


def clip_ids(ids):
    """pool.CLIP_COLS columns, not 77: CLIP's attention is causal and the pooled vector is the first end
    token's, so the padding after it cannot change it."""
    return torch.as_tensor(ids.astype(np.int64))


def scene_acc(logits, lab, sizes):
    """Share of captions whose background and every place's color and shape are read right (size aside)."""
    ok, o = torch.ones(lab.shape[0], dtype=torch.bool), 0
    for j, n in enumerate(sizes):
        if j == 0 or (j - 1) % 3 != 2:
            ok &= logits[:, o:o + n].argmax(1) == lab[:, j]
        o += n
    return ok.float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=60000, help="captions drawn")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--steps", type=int, default=0, help="replay this many steps instead of the time budget")
    ap.add_argument("--b", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--insert", type=float, default=0.0, help="share of captions given one or two random joining words")
    a = ap.parse_args()
    common.setup()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(2)
    clip, t5 = models.CLIPText(common.CLIP), models.T5Encoder(common.T5)
    with torch.no_grad():
        clip.text_model.embeddings.token_embedding.weight.normal_(0, 0.02)
        clip.text_model.embeddings.position_embedding.weight.normal_(0, 0.01)
    heads = Heads(common.CLIP["hidden_size"], common.T5["d_model"])
    cid, tid, lab, caps = caption_set(a.n, 17, a.insert)
    cid, tid, lab = clip_ids(cid), torch.as_tensor(tid.astype(np.int64)), torch.as_tensor(lab)
    hc, ht, hl = heldout_set()
    hc, ht, hl = clip_ids(hc), torch.as_tensor(ht.astype(np.int64)), torch.as_tensor(hl)
    log = open(os.path.join(a.out, "train.log"), "a")

    def say(**kv):
        line = json.dumps({"stage": "text", **kv})
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()
    say(args=vars(a), example_captions=caps[:6])
    params = list(clip.parameters()) + list(t5.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, a.lr, weight_decay=0.0)
    t0, step = time.time(), 0
    total = a.steps or None
    while (step < a.steps) if a.steps else (time.time() - t0 < 60 * a.minutes):
        frac = step / total if total else (time.time() - t0) / (60 * a.minutes)
        for g in opt.param_groups:
            g["lr"] = a.lr * min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(frac, 1.0))))
        g = torch.Generator().manual_seed(17_000_003 + step)
        i = torch.randint(0, cid.shape[0], (a.b,), generator=g)
        lc, lt = heads(clip(cid[i]), t5(tid[i]))
        (l1, acc_c), (l2, acc_t) = heads.loss_acc(lc, lab[i]), heads.loss_acc(lt, lab[i])
        opt.zero_grad(set_to_none=True)
        (l1 + l2).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 100 == 0:
            with torch.no_grad():
                hc_, ht_ = heads(clip(hc), t5(ht))
            say(step=step, loss_clip=round(l1.item(), 4), loss_t5=round(l2.item(), 4),
                heldout_scene_clip=round(scene_acc(hc_, hl, heads.sizes), 4),
                heldout_scene_t5=round(scene_acc(ht_, hl, heads.sizes), 4),
                heldout_bg_clip=round(heads.loss_acc(hc_, hl)[1][0], 4), heldout_bg_t5=round(heads.loss_acc(ht_, hl)[1][0], 4),
                elapsed_s=round(time.time() - t0, 1))
    torch.save({"clip": clip.state_dict(), "t5": t5.state_dict(), "heads": heads.state_dict()},
               os.path.join(a.out, "text.pt"))
    say(event="done", steps=step, train_s=round(time.time() - t0, 1))


if __name__ == "__main__":
    main()
