"""Stage 2: rectified-flow training of the transformer and both text encoders
on the frozen autoencoder's latents.

x_t = (1 - t) x0 + t eps, the transformer predicts eps - x0 (FLUX's
velocity), t logit-normal. Captions are drawn fresh for every sample from
the training templates, tokenized by the engine's own tokenizers.
"""
import argparse
import time

import torch

import common
import models
import textenc
import world

SEED = 2


def make_batch(tok, ae, step, b, seed=SEED):
    rng = common.step_rng(seed, step)
    specs = [world.sample_spec(rng) for _ in range(b)]
    caps = [world.caption(rng, s) for s in specs]
    clip_ids, t5_ids = tok(caps)
    with torch.no_grad():
        x0 = models.pack(ae.encode(common.images(specs)))
    return x0, clip_ids, t5_ids


def cond(clip, t5, clip_ids, t5_ids):
    return textenc.clip_pooled(clip, clip_ids), t5(t5_ids)


def predict(flux, x, t, y, txt):
    b = x.shape[0]
    return flux(x, models.img_ids(b, 8, 8), txt, torch.zeros(b, txt.shape[1], 3), t, y)


def load_ae():
    ck = common.load_ckpt("ae.pt")
    ae = models.AutoEncoder(ck["params"])
    ae.load_state_dict(ck["model"])
    ae.eval()
    for p in ae.parameters():
        p.requires_grad_(False)
    return ae


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    a = ap.parse_args()
    common.setup()
    torch.manual_seed(SEED)
    ae = load_ae()
    flux = models.Flux(common.FLUX)
    clip, t5 = textenc.make(common.CLIP, common.T5)
    params = list(flux.parameters()) + list(clip.parameters()) + list(t5.parameters())
    opt = torch.optim.AdamW(params, a.lr, weight_decay=0.0)
    tok = common.Tokenizer()
    step, spent = 0, 0.0
    ck = common.load_ckpt("stage2.pt")
    if ck:
        flux.load_state_dict(ck["flux"])
        clip.load_state_dict(ck["clip"])
        t5.load_state_dict(ck["t5"])
        opt.load_state_dict(ck["opt"])
        step, spent = ck["step"], ck["spent"]
        torch.set_rng_state(ck["torch_rng"])
        common.log("flow", event="resume", step=step)
    t0, last_save, run = time.time(), time.time(), None
    while step < a.steps:
        for g in opt.param_groups:
            g["lr"] = common.lr_at(step, a.steps, a.lr, warmup=100)
        x0, cid, tid = make_batch(tok, ae, step, a.batch)
        t = torch.sigmoid(torch.randn(a.batch))
        eps = torch.randn_like(x0)
        xt = (1 - t[:, None, None]) * x0 + t[:, None, None] * eps
        y, txt = cond(clip, t5, cid, tid)
        loss = (predict(flux, xt, t, y, txt) - (eps - x0)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        run = loss.item() if run is None else 0.97 * run + 0.03 * loss.item()
        if step % 20 == 0 or step == a.steps:
            common.log("flow", step=step, loss=round(run, 5), lr=round(opt.param_groups[0]["lr"], 6),
                       elapsed_s=round(spent + time.time() - t0, 1), tokens_clip=int(clip.text_model.embeddings.token_embedding.used),
                       tokens_t5=int(t5.shared.used))
        if time.time() - last_save > 120 or step == a.steps:
            common.save_ckpt("stage2.pt", {"flux": flux.state_dict(), "clip": clip.state_dict(), "t5": t5.state_dict(),
                                           "opt": opt.state_dict(), "step": step, "spent": spent + time.time() - t0,
                                           "torch_rng": torch.get_rng_state()})
            last_save = time.time()
    common.log("flow", event="done", step=step, train_s=round(spent + time.time() - t0, 1))


if __name__ == "__main__":
    main()
