"""Stage 2b: only the text encoders learn on, through the frozen 50-step
teacher's flow loss, from captions with paraphrase noise (pretrain_text.augment:
clauses shuffled, commas dropped, filler openings, joining words inserted).
The transformer and the autoencoder stay as they are, so the picture side
keeps everything the GPU taught it; half of each batch keeps the plain training
captions so their reading does not drift. The distilled student shares the
teacher's text pathway (stage 3 kept the encoders fixed), so it takes the new
encoders as they are.

  /usr/bin/python3 finetune_text.py --model ../../demo/model --minutes 15 --out runs/text-ft

--match (stage 2c) changes the target: instead of the flow loss's noisy eps - x0, the
velocity the frozen networks predict with the *original* encoders from a plain
caption of the same scene. A paraphrase must then steer the transformer exactly
as the plain caption does, a clean target where the flow loss's is mostly noise.
Even steps match the distilled student at the schnell schedule's points (t = 1,
.75, .5, .25: where it is sampled), odd steps the teacher at logit-normal t.

  /usr/bin/python3 finetune_text.py --model ../../demo/model --match --minutes 30 --out runs/text-match

--unk P puts one or two words the captions never have into a share P of the noisy captions: with the
unused vocabulary rows made neutral (unknown_rows.py; they are kept so), the encoders learn to look
past any word they do not know.
"""
import argparse
import copy
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
import train_gpu
import unknown_rows
import world


def batch_set(n, seed, insert, same=False, unk=0.0):
    """n scenes, each with a plain and a noisy training-template caption, tokenized. same: the
    noisy caption is the plain one with noise (the same template, so the same facts: templates that
    leave out the size would otherwise make a size word look meaningless to --match)."""
    rng = random.Random(seed)
    specs = [world.sample_spec(rng) for _ in range(n)]
    plain = [world.caption(rng, s) for s in specs]
    noisy = [pretrain_text.augment(rng, p if same else world.caption(rng, s), insert) for s, p in zip(specs, plain)]
    if unk:  # words the captions never have (unknown_rows.unknown_words: the training half)
        words = unknown_rows.unknown_words(0)
        noisy = [pretrain_text.insert_words(rng, c, words) if rng.random() < unk else c for c in noisy]
    pc, pt, _ = pool_mod.tokenize(plain)
    nc, nt, _ = pool_mod.tokenize(noisy)
    arr = torch.tensor(np.array([world.spec_array(s) for s in specs], dtype=np.float32))
    as_long = lambda a: torch.tensor(a.astype(np.int64))
    return arr, (as_long(pc), as_long(pt)), (as_long(nc), as_long(nt)), noisy[:6]


def match_loss(net, x0, t, new, old, gen):
    """How far the velocity with the new encoders' reading is from the one with the original
    encoders' reading of the plain caption, at x_t = (1-t) x0 + t eps."""
    xt, _ = train_gpu.noised(x0, t, gen)
    with torch.no_grad():
        target = train_gpu.predict(net, xt, t, *old)
    return (train_gpu.predict(net, xt, t, *new) - target).pow(2).mean(dim=(1, 2))


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
    ap.add_argument("--match", action="store_true", help="stage 2c: match the original encoders' velocities")
    ap.add_argument("--unk", type=float, default=0.0,
                    help="put unknown words into this share of the noisy captions; the unused vocabulary rows "
                         "(unknown_rows.py) stay as they are")
    a = ap.parse_args()
    common.setup()
    os.makedirs(a.out, exist_ok=True)
    log = train_gpu.Log(os.path.join(a.out, "train.log"))
    student, ae, clip, t5, _ = sample.load(a.model)
    clip0, t50 = copy.deepcopy(clip), copy.deepcopy(t5)
    teacher = sample.load_flux(a.teacher)
    frozen = [teacher, student, ae, clip0, t50]
    for p in [p for m in frozen for p in m.parameters()]:
        p.requires_grad_(False)
    spec, plain, noisy, examples = batch_set(a.n, 23, a.insert, same=a.match, unk=a.unk)
    log("text-ft", args=vars(a), examples=examples)
    params = list(clip.parameters()) + list(t5.parameters())
    if a.unk:  # every unknown word must keep reaching the encoders as the same neutral row
        used = unknown_rows.used_ids(os.path.join(common.RUNS, "pool.npz"))
        for table, ids in ((clip.text_model.embeddings.token_embedding.weight, used["clip"]), (t5.shared.weight, used["t5"])):
            keep = torch.zeros(table.shape[0], 1)
            keep[ids] = 1.0
            table.register_hook(lambda g, keep=keep: g * keep)
    opt = torch.optim.AdamW(params, a.lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(23)
    schnell = torch.tensor(train_gpu.SCHNELL4[:4])  # where the student is sampled
    t0, step, run, run_noisy = time.time(), 0, None, None
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
        if a.match:
            net, t = (student, schnell[torch.randint(0, 4, (a.b,), generator=gen)]) if step % 2 == 0 else \
                (teacher, torch.sigmoid(torch.randn(a.b, generator=gen)))
            per = match_loss(net, x0, t, (clip(cid), t5(tid)), (clip0(plain[0][i]), t50(plain[1][i])), gen)
            loss, noisy_loss = per.mean(), per[h:].mean().item()
            run_noisy = noisy_loss if run_noisy is None else 0.98 * run_noisy + 0.02 * noisy_loss
        else:
            loss = train_gpu.flow_loss(teacher, x0, clip(cid), t5(tid), gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()
        if step % (50 if a.match else 100) == 0:
            log("text-ft", step=step, loss=round(run, 5), elapsed_s=round(time.time() - t0, 1),
                **({"noisy_half": round(run_noisy, 5)} if a.match else {}))
    log("text-ft", event="done", steps=step, loss=round(run, 5), train_s=round(time.time() - t0, 1))
    dst = os.path.join(a.out, "model")
    shutil.copytree(a.model, dst, dirs_exist_ok=True)
    export.rewrite_encoders(dst, clip, t5)


if __name__ == "__main__":
    main()
