"""All three stages in one run on one accelerator (or the CPU, slowly):

1. the autoencoder on rendered scenes (L1 + MSE, tiny KL), then its latent
   scale/shift measured;
2. rectified flow: transformer + CLIP + T5 from scratch on the frozen
   autoencoder's latents, x_t = (1-t) x0 + t eps, target eps - x0,
   logit-normal t, EMA of the weights (the teacher); --drop2 replaces that
   share of the captions with the empty one (caption dropout), so the teacher
   also learns the unconditional velocity classifier-free guidance needs;
3. timestep distillation: the student (initialised from the teacher) learns,
   at each of the 4 points of the schnell schedule (1, .75, .5, .25), the
   velocity that lands one Euler step exactly where the teacher's fine Euler
   trajectory (8 steps per segment) lands; with --cfg3 the teacher's
   trajectory is guided, the student is not (guidance distillation).

Then the held-out prompts are sampled (student 4 steps, teacher 50 steps) with
the engine's noise, and the models are exported (export.py).

Budgets are in seconds per stage; the steps each stage reached are logged, and
--steps1/2/3 replay a run step for step (every batch is drawn from
(seed, step) alone). Checkpoints after each stage, and every --ckpt-every
seconds within stages 2 and 3 (Partial), make it resumable.
"""
import argparse
import contextlib
import copy
import json
import math
import os
import time

import numpy as np
import torch

import common
import export
import models
import pool as pool_mod
import quant
import render_torch
import st
import unknown_rows


class Log:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, stage, **kv):
        line = json.dumps({"stage": stage, **kv})
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def bf16_round(m):
    """What the engine will see: every weight rounded to bfloat16."""
    m = copy.deepcopy(m)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    return m


class Pool:
    def __init__(self, path, dev):
        z = np.load(path)
        self.spec = torch.tensor(z["spec"], device=dev)
        clip = torch.tensor(z["clip"].astype(np.int64), device=dev)
        pad = torch.full((clip.shape[0], 77 - clip.shape[1]), 49407, dtype=torch.long, device=dev)
        self.clip = torch.cat([clip, pad], 1)
        self.t5 = torch.tensor(z["t5"].astype(np.int64), device=dev)
        hclip = torch.tensor(z["hclip"].astype(np.int64), device=dev)
        self.hclip = torch.cat([hclip, torch.full((hclip.shape[0], 77 - hclip.shape[1]), 49407, dtype=torch.long, device=dev)], 1)
        self.ht5 = torch.tensor(z["ht5"].astype(np.int64), device=dev)
        self.hspec = torch.tensor(z["hspec"], device=dev)
        self.seeds = z["noise"].shape[0]  # eval seeds 0..seeds-1 (sample_heldout draws their noise at its latent size)
        self.n = self.spec.shape[0]

    def used_ids(self):
        """The ids the training captions use, for each encoder (the CLIP padding included)."""
        return {"clip": torch.unique(self.clip), "t5": torch.unique(self.t5)}

    def idx(self, seed, step, b):
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        return torch.randint(0, self.n, (b,), generator=g).to(self.spec.device)


def empty_caption(clip_ids, t5_ids):
    """The empty caption's (1, CLIP width) and (1, T5 length) ids, built from the first row of
    tokenized captions: CLIP [start, end, end...] (its padding is the end token), T5 [end, pad...]
    (its end is the last non-padding id). Same ids as tokenizing "" (test_empty_caption.py); no Go
    needed on the device."""
    clip_row, t5_row = clip_ids[0], t5_ids[0]
    pad5 = t5_row[-1]
    eos5 = t5_row[t5_row != pad5][-1]
    clip = torch.full_like(clip_row, int(clip_row[-1]))
    clip[0] = clip_row[0]
    t5 = torch.full_like(t5_row, int(pad5))
    t5[0] = eos5
    return clip[None], t5[None]


def timed(budget, steps, spent=0.0):
    """Runs until the step count (replay) or the time budget is reached; spent: seconds a resumed
    stage had already run."""
    t0 = time.time() - spent

    def more(step):
        return step < steps if steps > 0 else time.time() - t0 < budget
    return more, t0


class Partial:
    """A stage's state, written every `every` seconds while it runs (its networks, their EMA, the
    optimizer, the noise generator, the step and the seconds spent), so that a run stopped mid-stage
    resumes where it was instead of at the stage's start; main() removes it once the stage's own
    checkpoint is written. Batches are drawn from (seed, step), so a resumed replay (--steps2/3) takes
    the same steps as one that was never stopped."""

    def __init__(self, path, every):
        self.path, self.every, self.last = path, every, time.time()

    def load(self, parts, opt, gen, log, stage):
        """Restores parts (name -> module), opt and gen from the file if there is one; (step, seconds
        spent, running loss), or (0, 0, None)."""
        if not os.path.exists(self.path):
            return 0, 0.0, None
        d = torch.load(self.path, map_location=gen.device)
        for name, m in parts.items():
            m.load_state_dict(d[name])
        opt.load_state_dict(d["opt"])
        gen.set_state(d["gen"].cpu())
        log(stage, event="resumed mid-stage", step=d["step"], spent_s=round(d["spent"], 1))
        return d["step"], d["spent"], d["run"]

    def save(self, parts, opt, gen, step, spent, run):
        if self.every <= 0 or time.time() - self.last < self.every:
            return
        d = {name: m.state_dict() for name, m in parts.items()}
        d.update(opt=opt.state_dict(), gen=gen.get_state(), step=step, spent=spent, run=run)
        torch.save(d, self.path + ".tmp")
        os.replace(self.path + ".tmp", self.path)  # a kill while writing leaves the previous one whole
        self.last = time.time()

    def remove(self):
        if os.path.exists(self.path):
            os.remove(self.path)


def rendered(spec, k):
    """The pictures of spec, and per-pixel loss weights 1 + k on their shapes and a pixel around them
    (k = 0: all 1, without rendering the background alone)."""
    x = render_torch.render(spec)
    if k == 0:
        return x, torch.ones_like(x[:, :1])
    bare = spec.clone()
    bare[:, 6] = 0  # no shapes: the background alone
    return x, common.shape_weight(x, render_torch.render(bare), k)


def stage1_batch(a, pool, step):
    """Rendered pictures, or --crop1 crops of them (a conv net learns edges from crops at a fraction of the
    cost), with per-pixel loss weights 1 + --shape-weight1 on the shapes and a pixel around them."""
    x, w = rendered(pool.spec[pool.idx(1, step, a.b1)], a.shape_weight1)
    if a.crop1 and a.crop1 < x.shape[-1]:
        g = common.step_rng(11, step)
        oy, ox = g.randrange(0, x.shape[-2] - a.crop1 + 1), g.randrange(0, x.shape[-1] - a.crop1 + 1)
        x, w = x[..., oy:oy + a.crop1, ox:ox + a.crop1], w[..., oy:oy + a.crop1, ox:ox + a.crop1]
    return x, w


def stage1(a, pool, dev, log):
    torch.manual_seed(1)
    ae = models.AutoEncoder(ae_params(a)).to(dev)
    opt = torch.optim.Adam(ae.parameters(), a.lr1)
    more, t0 = timed(a.t1, a.steps1)
    step, run = 0, None
    while more(step):
        frac = (time.time() - t0) / a.t1 if a.steps1 <= 0 else step / a.steps1
        for g in opt.param_groups:
            g["lr"] = a.lr1 * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * min(frac, 1.0))))
        x, w = stage1_batch(a, pool, step)
        mean, logvar = ae.moments(x)
        logvar = logvar.clamp(-30, 20)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = ae.decoder(z)
        rec = (w * ((y - x).abs() + 0.5 * (y - x).pow(2))).mean() / w.mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + 1e-6 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        run = rec.item() if run is None else 0.98 * run + 0.02 * rec.item()
        if step % 200 == 0:
            log("vae", step=step, rec=round(run, 5), kl=round(kl.item(), 2), elapsed_s=round(time.time() - t0, 1))
    with torch.no_grad():
        zs = torch.cat([ae.moments(render_torch.render(pool.spec[pool.idx(1001, i, 256)]))[0] for i in range(4)])
        ae.shift_factor = round(zs.mean().item(), 4)
        ae.scale_factor = round(1 / zs.std().item(), 4)
        x = render_torch.render(pool.spec[pool.idx(1002, 0, 256)])
        err = (bf16_round(ae).decode(ae.encode(x)) - x).abs().mean().item()
    log("vae", event="done", steps=step, train_s=round(time.time() - t0, 1), batch=a.b1,
        scale_factor=ae.scale_factor, shift_factor=ae.shift_factor, recon_l1_bf16=round(err, 5))
    return ae


def ae_params(a):
    """common.AE, with --ch-mult's levels if given."""
    return dict(common.AE, ch_mult=[int(m) for m in a.ch_mult.split(",")]) if a.ch_mult else common.AE


def encoders(dev):
    torch.manual_seed(2)
    flux = models.Flux(common.FLUX).to(dev)
    clip, t5 = models.CLIPText(common.CLIP).to(dev), models.T5Encoder(common.T5).to(dev)
    with torch.no_grad():
        clip.text_model.embeddings.token_embedding.weight.normal_(0, 0.02)
        clip.text_model.embeddings.position_embedding.weight.normal_(0, 0.01)
    return flux, clip, t5


def predict(flux, x, t, y, txt):
    b, n = x.shape[0], 2 * math.isqrt(x.shape[1])  # square latents: n x n packed into (n/2)^2 tokens
    return flux(x, models.img_ids(b, n, n).to(x.device), txt, torch.zeros(b, txt.shape[1], 3, device=x.device), t, y)


def cond(clip, t5, cid, tid):
    return clip(cid), t5(tid)


def ema_update(ema, m, d):
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), m.parameters()):
            pe.lerp_(p, 1 - d)


def warm_start(a, flux, clip, t5, log):
    """--init: start stage 2 from an exported model's text encoders and
    --init-flux's transformer (the shipped teacher) instead of from scratch."""
    import sample
    f0, _, c0, t0, _ = sample.load(a.init)
    clip.load_state_dict(c0.state_dict())
    t5.load_state_dict(t0.state_dict())
    if a.init_flux:
        w, _ = st.load(a.init_flux)
        flux.load_state_dict({k: v.float() for k, v in w.items()})
    else:
        flux.load_state_dict(f0.state_dict())
    log("flow", event="warm start", model=a.init, flux=a.init_flux or a.init)


def noised(x0, t, gen):
    """x_t = (1-t) x0 + t eps on the rectified-flow path, and its eps."""
    eps = torch.randn(x0.shape, device=x0.device, generator=gen)
    return (1 - t[:, None, None]) * x0 + t[:, None, None] * eps, eps


def shifted(t, shift):
    """t moved toward the noise end: shift t / (1 + (shift - 1) t), as SD3 and FLUX shift their
    timesteps for larger pictures (more tokens keep more of the picture through the same noise, so the
    steps that decide the layout sit at higher t); shift 1: t unchanged."""
    return shift * t / (1 + (shift - 1) * t)


def flow_loss(flux, x0, y, txt, gen, w=None, shift=1.0):
    """Rectified flow with logit-normal t (shifted by shift); the velocity target is eps - x0. w:
    per-token loss weights (token_weights), else all tokens alike."""
    t = shifted(torch.sigmoid(torch.randn(x0.shape[0], device=x0.device, generator=gen)), shift)
    xt, eps = noised(x0, t, gen)
    err = (predict(flux, xt, t, y, txt) - (eps - x0)).pow(2)
    return err.mean() if w is None else (err * w[..., None]).mean() / w.mean()


def token_weights(w, tokens):
    """(batch, tokens) loss weights from rendered()'s per-pixel ones: a token weighs as its heaviest
    pixel, so the tokens that hold part of a shape count 1 + k (--shape-weight2; the judge reads shapes,
    which are a small share of the tokens)."""
    return torch.nn.functional.adaptive_max_pool2d(w, math.isqrt(tokens)).flatten(1)


def captions(pool, i, step, drop):
    """The batch's CLIP and T5 ids, each caption replaced by the empty one with probability drop
    (caption dropout: the transformer also learns the unconditional velocity that classifier-free
    guidance steers away from). Drawn from (step) alone, like the batch."""
    cid, tid = pool.clip[i], pool.t5[i]
    if drop <= 0:
        return cid, tid
    g = torch.Generator().manual_seed(5 * 1_000_003 + step)
    m = (torch.rand(len(i), generator=g) < drop).to(cid.device)[:, None]
    ec, et = empty_caption(cid, tid)
    return torch.where(m, ec, cid), torch.where(m, et, tid)


def partial(a, stage):
    return Partial(os.path.join(a.out, "ckpt", stage + "-partial.pt"), a.ckpt_every)


def stage2(a, pool, ae, dev, log):
    flux, clip, t5 = encoders(dev)
    if a.init:
        warm_start(a, flux, clip, t5, log)
    if a.text:  # pretrain_text.py's encoders, which already read the captions: kept fixed
        d = torch.load(a.text, map_location=dev)
        clip.load_state_dict(d["clip"])
        t5.load_state_dict(d["t5"])
        log("flow", event="text encoders", text=a.text)
    nets = torch.nn.ModuleList([flux, clip, t5])
    if a.freeze_text or a.text:  # keep the warm start's text encoders: cheaper steps, the captions' meaning kept
        for p in list(clip.parameters()) + list(t5.parameters()):
            p.requires_grad_(False)
    ema = copy.deepcopy(nets)
    trainable = [p for p in nets.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, a.lr2, weight_decay=0.0)
    gen = torch.Generator(device=dev).manual_seed(2)
    part, parts = partial(a, "stage2"), {"nets": nets, "ema": ema}
    step, spent, run = part.load(parts, opt, gen, log, "flow")
    more, t0 = timed(a.t2, a.steps2, spent)
    while more(step):
        frac = (time.time() - t0) / a.t2 if a.steps2 <= 0 else step / a.steps2
        for g in opt.param_groups:
            g["lr"] = a.lr2 * min(1.0, (step + 1) / a.warmup2) * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(frac, 1.0))))
        i = pool.idx(2, step, a.b2)
        with torch.no_grad():
            x, w = rendered(pool.spec[i], a.shape_weight2)
            x0 = models.pack(ae.encode(x))
            w = token_weights(w, x0.shape[1]) if a.shape_weight2 else None
        loss = flow_loss(flux, x0, *cond(clip, t5, *captions(pool, i, step, a.drop2)), gen, w, a.shift2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        step += 1
        ema_update(ema, nets, 0.999 if step > 1000 else 0.99)
        run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()
        part.save(parts, opt, gen, step, time.time() - t0, run)
        if step % 250 == 0:
            log("flow", step=step, loss=round(run, 5), lr=round(opt.param_groups[0]["lr"], 6),
                elapsed_s=round(time.time() - t0, 1))
    log("flow", event="done", steps=step, batch=a.b2, train_s=round(time.time() - t0, 1), loss=round(run, 5))
    return ema


def guidance(clip, t5, scale, clip_ids, t5_ids):
    """euler's cfg for classifier-free guidance at scale against the empty caption (built like
    clip_ids / t5_ids); None at scale 1 (no guidance, no second pass)."""
    return None if scale == 1.0 else (scale, *cond(clip, t5, *empty_caption(clip_ids, t5_ids)))


def guided(flux, x, t, y, txt, cfg):
    """The velocity; with cfg = (scale, y0, txt0) classifier-free guidance
    u + scale (c - u) against the unconditional (empty-caption) velocity u."""
    c = predict(flux, x, t, y, txt)
    if cfg is None:
        return c
    scale, y0, txt0 = cfg
    u = predict(flux, x, t, y0.expand(x.shape[0], -1), txt0.expand(x.shape[0], -1, -1))
    return u + scale * (c - u)


@torch.no_grad()
def euler(flux, x, ts, y, txt, cfg=None):
    for k in range(len(ts) - 1):
        t = torch.full((x.shape[0],), float(ts[k]), device=x.device)
        x = x + float(ts[k + 1] - ts[k]) * guided(flux, x, t, y, txt, cfg)
    return x


SCHNELL4 = [1.0, 0.75, 0.5, 0.25, 0.0]  # the 4-step schnell schedule (unshifted): what stage 3 distils to


def stage3(a, pool, ae, teacher, dev, log):
    tflux, clip, t5 = teacher
    student = copy.deepcopy(tflux)
    if a.init_student:  # e.g. an already distilled student: only what --cfg3 changes is left to learn
        import sample
        student.load_state_dict(sample.load_flux(a.init_student).to(dev).state_dict())
        log("distill", event="warm start", student=a.init_student)
    for p in student.parameters():
        p.requires_grad_(True)
    ema = copy.deepcopy(student)
    opt = torch.optim.AdamW(student.parameters(), a.lr3, weight_decay=0.0)
    fine = a.fine
    # --cfg3: the student learns the guided teacher's paths and needs no guidance itself (as
    # FLUX.1-dev learnt its guided teacher's outputs)
    guide = guidance(clip, t5, a.cfg3, pool.clip, pool.t5)
    text_q4 = (quant.fake(clip, "q4_0"), quant.fake(t5, "q4_0")) if a.qat3 > 0 else None
    gen = torch.Generator(device=dev).manual_seed(3)
    part, parts = partial(a, "stage3"), {"student": student, "ema": ema}
    step, spent, run = part.load(parts, opt, gen, log, "distill")
    more, t0 = timed(a.t3, a.steps3, spent)
    while more(step):
        i = pool.idx(3, step, a.b3)
        with torch.no_grad():
            y, txt = cond(clip, t5, pool.clip[i], pool.t5[i])
            x = torch.randn((a.b3, (common.latent_size(ae.p) // 2) ** 2, 64), device=dev, generator=gen)
            pts = [x]
            for s in range(4):
                ts = np.linspace(SCHNELL4[s], SCHNELL4[s + 1], fine + 1)
                x = euler(tflux, x, ts, y, txt, guide)
                pts.append(x)
        xs = torch.cat(pts[:4])
        tgt = torch.cat([(pts[s + 1] - pts[s]) / (SCHNELL4[s + 1] - SCHNELL4[s]) for s in range(4)])
        tt = torch.cat([torch.full((a.b3,), SCHNELL4[s], device=dev) for s in range(4)])
        # --qat3: on this share of the steps the student learns the same targets with its weights and the
        # text encoders' as --weight-type q4_0 stores them, so that option keeps the picture
        qat = a.qat3 > 0 and common.step_rng(13, step).random() < a.qat3
        sy, stxt = (cond(*text_q4, pool.clip[i], pool.t5[i]) if qat else (y, txt))
        with quant.straight_through(student, "q4_0") if qat else contextlib.nullcontext():
            loss = (predict(student, xs, tt, sy.repeat(4, 1), stxt.repeat(4, 1, 1)) - tgt).pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        step += 1
        ema_update(ema, student, a.ema3)
        run = loss.item() if run is None else 0.95 * run + 0.05 * loss.item()
        part.save(parts, opt, gen, step, time.time() - t0, run)
        if step % 50 == 0:
            log("distill", step=step, loss=round(run, 6), elapsed_s=round(time.time() - t0, 1))
    log("distill", event="done", steps=step, batch=a.b3, fine_steps_per_segment=fine, cfg=a.cfg3, qat=a.qat3,
        train_s=round(time.time() - t0, 1), loss=round(run, 6) if run else None)
    return ema


@torch.no_grad()
def sample_heldout(flux, clip, t5, ae, pool, steps, dev, n=None, scale=1.0, weight_type=None):
    """uint8 (prompts, seeds, 64, 64, 3) pictures of the first n (all) held-out prompts;
    scale != 1: classifier-free guidance against the empty caption; weight_type "q8_0" / "q4_0":
    the linear layers' weights as the engine's --weight-type stores them."""
    flux, ae, clip, t5 = (quant.fake(bf16_round(m), weight_type) for m in (flux, ae, clip, t5))
    y, txt = cond(clip, t5, pool.hclip[:n], pool.ht5[:n])
    cfg = guidance(clip, t5, scale, pool.hclip, pool.ht5)
    out = []
    ts = np.linspace(1.0, 0.0, steps + 1)
    side = common.latent_size(ae.p)
    noise = torch.tensor(pool_mod.eval_noise(range(pool.seeds), side), device=y.device)  # the engine's
    for s in range(pool.seeds):
        x = models.pack(noise[s:s + 1].expand(y.shape[0], -1, -1, -1))
        x = euler(flux, x, ts, y, txt, cfg)
        img = ae.decode(models.unpack(x, side, side)).clamp(-1, 1)
        out.append((127.5 * (img + 1)).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    return np.stack(out, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--pool", default=os.path.join(common.RUNS, "pool.npz"))
    ap.add_argument("--t1", type=float, default=80)
    ap.add_argument("--t2", type=float, default=240)
    ap.add_argument("--t3", type=float, default=100)
    ap.add_argument("--steps1", type=int, default=0)
    ap.add_argument("--steps2", type=int, default=0)
    ap.add_argument("--steps3", type=int, default=0)
    ap.add_argument("--b1", type=int, default=64)
    ap.add_argument("--b2", type=int, default=256)
    ap.add_argument("--b3", type=int, default=128)
    ap.add_argument("--lr1", type=float, default=1e-3)
    ap.add_argument("--lr2", type=float, default=6e-4)
    ap.add_argument("--lr3", type=float, default=1e-4)
    ap.add_argument("--fine", type=int, default=8)
    ap.add_argument("--ch-mult", help="stage 1: the autoencoder's channel multipliers, one per level "
                    "(default common.AE's 1,1,2,2: x8; 1,2,2: x4)")
    ap.add_argument("--crop1", type=int, default=0, help="stage 1 trains on random crops of this side (0: whole pictures)")
    ap.add_argument("--shape-weight1", type=float, default=0.0, help="stage 1's extra loss weight on shape pixels")
    ap.add_argument("--shape-weight2", type=float, default=0.0, help="stage 2's extra loss weight on the image "
                    "tokens that hold a shape")
    ap.add_argument("--shift2", type=float, default=1.0, help="stage 2's timestep shift toward noise (SD3's "
                    "resolution shift; e.g. 2 for the x4 autoencoder's 4x as many image tokens)")
    ap.add_argument("--freeze-text", action="store_true", help="stage 2 keeps --init's text encoders fixed")
    ap.add_argument("--text", help="stage 2 takes its text encoders from this pretrain_text.py checkpoint "
                    "(text.pt) and keeps them fixed")
    ap.add_argument("--warmup2", type=int, default=300)
    ap.add_argument("--drop2", type=float, default=0.0, help="stage 2's caption dropout (empty caption) probability")
    ap.add_argument("--cfg3", type=float, default=1.0, help="stage 3: the teacher's classifier-free guidance scale "
                    "(needs a teacher trained with --drop2)")
    ap.add_argument("--init-student", help="stage 3 starts the student from this transformer (folder or file) "
                    "instead of a copy of the teacher")
    ap.add_argument("--qat3", type=float, default=0.0, help="stage 3: share of the steps trained with the weights "
                    "quantized as --weight-type q4_0 (quantization-aware, straight-through)")
    ap.add_argument("--ema3", type=float, default=0.995, help="stage 3's EMA decay (lower for short runs)")
    ap.add_argument("--ckpt-every", type=float, default=600, help="seconds between stage 2's and 3's "
                    "mid-stage checkpoints (ckpt/stage2-partial.pt, ...; 0: none)")
    ap.add_argument("--sample-prompts", type=int, help="sample only the first N held-out prompts (a quick check)")
    ap.add_argument("--no-sample", action="store_true", help="skip sampling the held-out set (slow on a CPU)")
    ap.add_argument("--init", help="warm-start stage 2 from this exported model folder (its text encoders, and "
                    "its transformer unless --init-flux)")
    ap.add_argument("--init-flux", help="transformer file (BFL names) to warm-start from, e.g. teacher/transformer.safetensors")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    if dev == "cpu":
        torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count())))
    if dev == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    log = Log(os.path.join(a.out, "train.log"))
    log("setup", device=torch.cuda.get_device_name() if dev == "cuda" else "cpu", torch=torch.__version__,
        args=vars(a), flux=common.FLUX, clip=common.CLIP, t5=common.T5, ae=ae_params(a))
    pool = Pool(a.pool, dev)
    ck = os.path.join(a.out, "ckpt")
    os.makedirs(ck, exist_ok=True)
    t_all = time.time()
    if os.path.exists(os.path.join(ck, "ae.pt")):  # resume (or seed_ae.py's autoencoder, whatever its depth)
        ae = common.load_ae_ckpt(os.path.join(ck, "ae.pt"), ae_params(a), dev)
        log("vae", event="resumed")
    else:
        ae = stage1(a, pool, dev, log)
        common.save_ae_ckpt(ae, os.path.join(ck, "ae.pt"))
    for p in ae.parameters():
        p.requires_grad_(False)
    resumed = os.path.exists(os.path.join(ck, "teacher.pt"))
    if resumed:
        teacher = torch.nn.ModuleList(encoders(dev))
        teacher.load_state_dict(torch.load(os.path.join(ck, "teacher.pt"), map_location=dev))
        log("flow", event="resumed")
    else:
        teacher = stage2(a, pool, ae, dev, log)
    # vocabulary rows no training caption used are still random: zeroed, so an unknown word in a
    # prompt is passed over (unknown_rows.py); the training captions' pictures do not change
    log("flow", event="unused vocabulary rows zeroed", rows=unknown_rows.apply(teacher[1], teacher[2], pool.used_ids()))
    if not resumed:
        torch.save(teacher.state_dict(), os.path.join(ck, "teacher.pt"))
        partial(a, "stage2").remove()
        export.write(os.path.join(a.out, "teacher"), teacher[0], teacher[1], teacher[2], ae)
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = stage3(a, pool, ae, teacher, dev, log)
    torch.save(student.state_dict(), os.path.join(ck, "student.pt"))
    partial(a, "stage3").remove()
    export.write(os.path.join(a.out, "model"), student, teacher[1], teacher[2], ae)
    if a.no_sample:
        return
    t = time.time()
    imgs = {"student4": sample_heldout(student, teacher[1], teacher[2], ae, pool, 4, dev, a.sample_prompts),
            # the teacher as the student was distilled from it: guided by --cfg3
            "teacher50": sample_heldout(teacher[0], teacher[1], teacher[2], ae, pool, 50, dev, a.sample_prompts, a.cfg3),
            "teacher4": sample_heldout(teacher[0], teacher[1], teacher[2], ae, pool, 4, dev, a.sample_prompts, a.cfg3)}
    for name, arr in imgs.items():
        d = os.path.join(a.out, "samples", name)
        os.makedirs(d, exist_ok=True)
        for p in range(arr.shape[0]):
            for s in range(arr.shape[1]):
                st.write_png(os.path.join(d, "p%03d_s%d.png" % (p, s)), arr[p, s])
    log("sample", event="done", seconds=round(time.time() - t, 1), total_s=round(time.time() - t_all, 1))


if __name__ == "__main__":
    main()
