"""Stage 2b: only the text encoders learn on, through the frozen 50-step
teacher's flow loss, from captions with paraphrase noise (pretrain_text.augment:
clauses shuffled, commas dropped, filler openings, joining words inserted).
The transformer and the autoencoder stay as they are, so the picture side
keeps everything the GPU taught it; half of each batch keeps the plain training
captions so their reading does not drift. The distilled student shares the
teacher's text pathway (stage 3 kept the encoders fixed), so it takes the new
encoders as they are.

  /usr/bin/python3 finetune_text.py --model ../../demo/model --minutes 15 --out runs/text-ft
"""
import argparse
import os
import random
import shutil
import time

import numpy as np
import torch

import common
import export
import models
import pool as pool_mod
import pretrain_text
import render_torch
import sample
import st
import train_gpu
import world


def batch_set(n, seed, insert):
    """n scenes, each with a plain and a noisy training-template caption, tokenized."""
    rng = random.Random(seed)
    specs = [world.sample_spec(rng) for _ in range(n)]
    plain = [world.caption(rng, s) for s in specs]
    noisy = [pretrain_text.augment(rng, world.caption(rng, s), insert) for s in specs]
    pc, pt, _ = pool_mod.tokenize(plain)
    nc, nt, _ = pool_mod.tokenize(noisy)
    arr = torch.tensor(np.array([world.spec_array(s) for s in specs], dtype=np.float32))
    as_long = lambda a: torch.tensor(a.astype(np.int64))
    return arr, (as_long(pc), as_long(pt)), (as_long(nc), as_long(nt)), noisy[:6]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="exported model folder (its student and encoders)")
    ap.add_argument("--teacher", default=os.path.join(common.HERE, "teacher", "transformer.safetensors"))
    ap.add_argument("--out", required=True, help="folder: the model with the new encoders, and train.log")
    ap.add_argument("--n", type=int, default=40000)
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--b", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--insert", type=float, default=0.3)
    a = ap.parse_args()
    common.setup()
    os.makedirs(a.out, exist_ok=True)
    log = train_gpu.Log(os.path.join(a.out, "train.log"))
    _, ae, clip, t5, _ = sample.load(a.model)
    w, _ = st.load(a.teacher)
    teacher = models.Flux(common.FLUX)
    teacher.load_state_dict({k: v.float() for k, v in w.items()})
    for p in list(teacher.parameters()) + list(ae.parameters()):
        p.requires_grad_(False)
    spec, plain, noisy, examples = batch_set(a.n, 23, a.insert)
    log("text-ft", args=vars(a), examples=examples)
    params = list(clip.parameters()) + list(t5.parameters())
    opt = torch.optim.AdamW(params, a.lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(23)
    t0, step, run = time.time(), 0, None
    while time.time() - t0 < 60 * a.minutes:
        frac = (time.time() - t0) / (60 * a.minutes)
        for g in opt.param_groups:
            g["lr"] = a.lr * min(1.0, (step + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * frac)))
        i = torch.randint(0, a.n, (a.b,), generator=gen)
        h = a.b // 2  # the first half reads plain captions, the second noisy ones
        cid = torch.cat([plain[0][i[:h]], noisy[0][i[h:]]])
        tid = torch.cat([plain[1][i[:h]], noisy[1][i[h:]]])
        with torch.no_grad():
            x0 = models.pack(ae.encode(render_torch.render(spec[i])))
        loss = train_gpu.flow_loss(teacher, x0, clip(cid), t5(tid), gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()
        if step % 100 == 0:
            log("text-ft", step=step, loss=round(run, 5), elapsed_s=round(time.time() - t0, 1))
    log("text-ft", event="done", steps=step, loss=round(run, 5), train_s=round(time.time() - t0, 1))
    dst = os.path.join(a.out, "model")
    shutil.copytree(a.model, dst, dirs_exist_ok=True)
    for sub, m in (("text_encoder", clip), ("text_encoder_2", t5)):
        meta = st.load(os.path.join(dst, sub, "model.safetensors"))[1]
        st.save(os.path.join(dst, sub, "model.safetensors"), export._bf16(m.state_dict()), meta)


if __name__ == "__main__":
    main()
