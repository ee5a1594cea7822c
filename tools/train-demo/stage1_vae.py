"""Stage 1: the 16-channel autoencoder (BFL AutoEncoder) on rendered scenes.

Trained on random 32x32 crops (the network is convolutional; the crops cost a
quarter of a full picture), with an L1 + MSE reconstruction loss and a tiny
KL term. At the end the latent scale and shift factors are measured on full
64x64 pictures, as BFL's 0.3611 / 0.1159 were for FLUX.1.
"""
import argparse
import time

import torch

import common
import models
import world

SEED = 1


def batch(step, b, crop):
    rng = common.step_rng(SEED, step)
    x = common.images([world.sample_spec(rng) for _ in range(b)])
    if crop < world.S:
        out = []
        for i in range(b):
            oy, ox = rng.randrange(0, world.S - crop + 1, 8), rng.randrange(0, world.S - crop + 1, 8)
            out.append(x[i, :, oy:oy + crop, ox:ox + crop])
        x = torch.stack(out)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--kl", type=float, default=1e-6)
    a = ap.parse_args()
    common.setup()
    torch.manual_seed(SEED)
    ae = models.AutoEncoder(common.AE)
    opt = torch.optim.Adam(ae.parameters(), a.lr)
    ck = common.load_ckpt("stage1.pt")
    step, spent = 0, 0.0
    if ck:
        ae.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, spent = ck["step"], ck["spent"]
        torch.set_rng_state(ck["torch_rng"])
        common.log("vae", event="resume", step=step)
    t0, last_save, run = time.time(), time.time(), 0.0
    while step < a.steps:
        for g in opt.param_groups:
            g["lr"] = common.lr_at(step, a.steps, a.lr, warmup=50)
        x = batch(step, a.batch, a.crop)
        mean, logvar = ae.moments(x)
        logvar = logvar.clamp(-30, 20)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = ae.decoder(z)
        rec = (y - x).abs().mean() + 0.5 * (y - x).pow(2).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + a.kl * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        run = 0.98 * run + 0.02 * rec.item() if step > 1 else rec.item()
        if step % 25 == 0 or step == a.steps:
            el = spent + time.time() - t0
            common.log("vae", step=step, rec=round(run, 5), kl=round(kl.item(), 3), lr=opt.param_groups[0]["lr"],
                       elapsed_s=round(el, 1))
        if time.time() - last_save > 120 or step == a.steps:
            common.save_ckpt("stage1.pt", {"model": ae.state_dict(), "opt": opt.state_dict(), "step": step,
                                           "spent": spent + time.time() - t0, "torch_rng": torch.get_rng_state()})
            last_save = time.time()
    finish(ae, spent + time.time() - t0 if step else spent)


@torch.no_grad()
def finish(ae, spent):
    """Measures the latent statistics and saves the autoencoder."""
    zs = []
    for i in range(8):
        rng = common.step_rng(SEED + 1000, i)
        zs.append(ae.moments(common.images([world.sample_spec(rng) for _ in range(32)]))[0])
    z = torch.cat(zs)
    shift, std = z.mean().item(), z.std().item()
    p = dict(common.AE, scale_factor=round(1 / std, 4), shift_factor=round(shift, 4))
    x = common.images([world.sample_spec(common.step_rng(SEED + 2000, 0)) for _ in range(32)])
    ae.scale_factor, ae.shift_factor = p["scale_factor"], p["shift_factor"]
    err = (ae.decode(ae.encode(x)) - x).abs().mean().item()
    common.save_ckpt("ae.pt", {"model": ae.state_dict(), "params": p})
    common.log("vae", event="done", scale_factor=p["scale_factor"], shift_factor=p["shift_factor"],
               full_res_l1=round(err, 5), train_s=round(spent, 1))


if __name__ == "__main__":
    main()
