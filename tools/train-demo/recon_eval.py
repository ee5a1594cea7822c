"""The ceiling the autoencoder puts on the demo model: renders the held-out
scenes' ground-truth pictures, encodes them with the model's VAE encoder and
decodes them again, and saves both sets under the names `flux-vk eval-demo
--judge` reads (pNNN_s0.png), so the judge scores perfect latents.

  /usr/bin/python3 recon_eval.py --model ../../demo/model --gt /tmp/rc_gt --out /tmp/rc_vae
  /usr/bin/python3 recon_eval.py --model ../../demo/model --decoder runs/decoder.pt --out /tmp/rc_ft
  /usr/bin/python3 recon_eval.py --ckpt runs/cpu4/ckpt/ae.pt --out /tmp/rc_new
  flux-vk eval-demo --judge /tmp/rc_vae --prompts 240

--decoder replaces the decoder by a finetune_decoder.py checkpoint (rounded to
BF16, as --export would write it). --noise adds the same Gaussian noise to every
latent (fixed seed), a crude stand-in for a sampler's imperfect latents.
"""
import argparse
import json
import os

import numpy as np
import torch

import common
import finetune_decoder
import st
import world


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="exported model folder (its vae/ is used)")
    ap.add_argument("--ckpt", help="instead of --model: train_gpu.py's stage-1 checkpoint (ckpt/ae.pt)")
    ap.add_argument("--decoder", help="finetune_decoder.py checkpoint replacing the decoder")
    ap.add_argument("--out", required=True, help="folder for the reconstructions")
    ap.add_argument("--gt", help="folder for the ground-truth pictures too")
    ap.add_argument("--prompts", type=int, default=240)
    ap.add_argument("--noise", type=float, default=0.0)
    a = ap.parse_args()
    common.setup()
    if a.ckpt:
        ae = common.load_ae_ckpt(a.ckpt)
        with torch.no_grad():  # BF16, as an export stores it
            for p in ae.parameters():
                p.copy_(p.to(torch.bfloat16).float())
    else:
        ae, _ = finetune_decoder.load_ae(a.model)
    if a.decoder:
        sd = torch.load(a.decoder)["decoder"]
        ae.decoder.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in sd.items()})
    ae.eval()
    specs = json.load(open(os.path.join(common.ROOT, "demo", "heldout.json")))["prompts"][:a.prompts]
    os.makedirs(a.out, exist_ok=True)
    if a.gt:
        os.makedirs(a.gt, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    err = []
    for i in range(0, len(specs), 16):
        gt = np.stack([world.render(s) for s in specs[i:i + 16]])
        x = torch.from_numpy(gt.astype(np.float32)).permute(0, 3, 1, 2) / 127.5 - 1
        with torch.no_grad():
            z = ae.encode(x)
            if a.noise:
                z = z + a.noise * torch.randn(z.shape, generator=gen)
            y = ae.decode(z).clamp(-1, 1)
        rgb = (127.5 * (y + 1)).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        err.append(np.abs(rgb.astype(np.int32) - gt.astype(np.int32)).mean(axis=(1, 2, 3)))
        for k in range(len(gt)):
            st.write_png(os.path.join(a.out, "p%03d_s0.png" % (i + k)), rgb[k])
            if a.gt:
                st.write_png(os.path.join(a.gt, "p%03d_s0.png" % (i + k)), gt[k])
    print(json.dumps({"pictures": len(specs), "mean_abs_level_error": round(float(np.concatenate(err).mean()), 3)}))


if __name__ == "__main__":
    main()
