"""Writes train_gpu.py's stage-1 checkpoint (OUT/ckpt/ae.pt) from an exported
model's VAE, so that a run keeps the shipped autoencoder — its latent space
and the CPU-sharpened decoder (stage 1b) — and trains only the transformer
and text encoders (stages 2 and 3) anew:

  /usr/bin/python3 seed_ae.py --model ../../demo/model --out runs/gpu3
  python3 train_gpu.py --out runs/gpu3 --t2 330 --t3 120     # resumes after stage 1
"""
import argparse
import os

import common
import finetune_decoder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="exported model folder (its vae/ is read)")
    ap.add_argument("--out", required=True, help="train_gpu.py's --out")
    a = ap.parse_args()
    ae, _ = finetune_decoder.load_ae(a.model)
    os.makedirs(os.path.join(a.out, "ckpt"), exist_ok=True)
    common.save_ae_ckpt(ae, os.path.join(a.out, "ckpt", "ae.pt"))
    print("ae.pt: scale %.4f shift %.4f" % (ae.scale_factor, ae.shift_factor))


if __name__ == "__main__":
    main()
