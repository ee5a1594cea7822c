"""Stage 1b (CPU): fine-tunes the autoencoder's decoder only.

The encoder, hence the latent space the transformer was trained on, stays
fixed, so the fine-tuned decoder drops into an exported model without
retraining anything else. The latents are perturbed with a little Gaussian
noise (sigma uniform in [0, --noise]) so that the decoder also turns the
slightly-off latents of a 4-step sample into clean shapes.

  nice -n 19 /usr/bin/python3 finetune_decoder.py --model ../../demo/model --minutes 40
  /usr/bin/python3 finetune_decoder.py --model ../../demo/model --export   # writes vae/ back

Resumable (runs/decoder.pt), every batch drawn from (seed, step) alone.
"""
import argparse
import json
import os
import time

import torch

import common
import models
import st
import world

SEED = 4


def load_ae(folder):
    w, _ = st.load(os.path.join(folder, "vae", "diffusion_pytorch_model.safetensors"))
    c = json.load(open(os.path.join(folder, "vae", "config.json")))
    ae = models.AutoEncoder(dict(common.AE, scale_factor=c["scaling_factor"], shift_factor=c["shift_factor"]))
    ae.load_state_dict({k: v.float() for k, v in w.items()})
    return ae, w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="exported model folder (its vae/ is read and, with --export, written)")
    ap.add_argument("--minutes", type=float, default=40)
    ap.add_argument("--steps", type=int, default=0, help="stop at this step instead (replay)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--noise", type=float, default=0.2)
    ap.add_argument("--export", action="store_true")
    a = ap.parse_args()
    common.setup()
    torch.manual_seed(SEED)
    ae, orig = load_ae(a.model)
    for p in ae.encoder.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(ae.decoder.parameters(), a.lr)
    step, spent = 0, 0.0
    ck = common.load_ckpt("decoder.pt")
    if ck:
        ae.decoder.load_state_dict(ck["decoder"])
        opt.load_state_dict(ck["opt"])
        step, spent = ck["step"], ck["spent"]
        torch.set_rng_state(ck["torch_rng"])
    if a.export:
        sd = {k: (v.to(torch.bfloat16) if k.startswith("decoder.") else orig[k]) for k, v in ae.state_dict().items()}
        st.save(os.path.join(a.model, "vae", "diffusion_pytorch_model.safetensors"), sd,
                {"format": "pt", "source": "flux-vk tools/train-demo (decoder fine-tuned %d steps)" % step})
        common.log("decoder", event="export", step=step)
        return
    t0, last_save, run = time.time(), time.time(), None
    while (step < a.steps) if a.steps else (time.time() - t0 < 60 * a.minutes):
        rng = common.step_rng(SEED, step)
        x = common.images([world.sample_spec(rng) for _ in range(a.batch)])
        with torch.no_grad():
            z = ae.encode(x)
            z = z + torch.rand(a.batch, 1, 1, 1) * a.noise * torch.randn_like(z)
        y = ae.decode(z)
        loss = (y - x).abs().mean() + 0.5 * (y - x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        run = loss.item() if run is None else 0.95 * run + 0.05 * loss.item()
        if step % 10 == 0:
            common.log("decoder", step=step, loss=round(run, 5), elapsed_s=round(spent + time.time() - t0, 1))
        if time.time() - last_save > 120:
            save(ae, opt, step, spent + time.time() - t0)
            last_save = time.time()
    save(ae, opt, step, spent + time.time() - t0)
    common.log("decoder", event="done", step=step, train_s=round(spent + time.time() - t0, 1))


def save(ae, opt, step, spent):
    common.save_ckpt("decoder.pt", {"decoder": ae.decoder.state_dict(), "opt": opt.state_dict(), "step": step,
                                    "spent": spent, "torch_rng": torch.get_rng_state()})


if __name__ == "__main__":
    main()
