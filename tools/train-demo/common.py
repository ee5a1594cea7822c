"""Shared pieces of the training stages: configuration, checkpoints, log,
tokenizer pipe, batches."""
import json
import os
import random
import time

import numpy as np
import torch

import world

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
RUNS = os.environ.get("RUNS_DIR", os.path.join(HERE, "runs"))

# The demo model. Widths are small; the vocabularies are the real ones.
T5_LEN = 48
# The shipped model's autoencoder downsamples by 8 (four levels): an 8x8 latent, 16 image tokens.
# train_gpu.py --ch-mult 1,2,2 trains one that downsamples by 4 (16x16 latent, 64 tokens), which keeps
# a 64-pixel picture's small shapes far better (README: "A x4 autoencoder").
AE = dict(ch=32, ch_mult=[1, 1, 2, 2], num_res_blocks=1, z_channels=16, in_channels=3, out_ch=3,
          resolution=64, scale_factor=1.0, shift_factor=0.0)


def latent_size(ae=None):
    """The latent's side for a 64-pixel picture: the autoencoder halves it at every level but the last."""
    return 64 >> (len((ae or AE)["ch_mult"]) - 1)


def ae_config(c):
    """common.AE-style parameters from an exported vae/config.json (diffusers names)."""
    boc = c["block_out_channels"]
    return dict(AE, ch=boc[0], ch_mult=[b // boc[0] for b in boc], num_res_blocks=c["layers_per_block"],
                z_channels=c["latent_channels"], scale_factor=c["scaling_factor"], shift_factor=c["shift_factor"])
CLIP = dict(vocab_size=49408, hidden_size=32, intermediate_size=128, num_attention_heads=2, num_hidden_layers=2,
            max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5,
            bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)
T5 = dict(vocab_size=32128, d_model=64, d_kv=32, num_heads=2, d_ff=128, num_layers=2,
          relative_attention_num_buckets=32, relative_attention_max_distance=128, layer_norm_epsilon=1e-6,
          feed_forward_proj="gated-gelu", dense_act_fn="gelu_new", is_gated_act=True, eos_token_id=1, pad_token_id=0)
FLUX = dict(in_channels=64, out_channels=64, vec_in_dim=32, context_in_dim=64, hidden_size=192, mlp_ratio=4.0,
            num_heads=3, depth=2, depth_single_blocks=4, axes_dim=[16, 24, 24], theta=10000, qkv_bias=True,
            guidance_embed=False)


def setup():
    os.makedirs(RUNS, exist_ok=True)
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))


def log(stage, **kv):
    kv = {"stage": stage, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **kv}
    line = json.dumps(kv)
    print(line, flush=True)
    with open(os.path.join(RUNS, "train.log"), "a") as f:
        f.write(line + "\n")


def save_ckpt(name, obj):
    p = os.path.join(RUNS, name)
    torch.save(obj, p + ".tmp")
    os.replace(p + ".tmp", p)


def load_ckpt(name):
    p = os.path.join(RUNS, name)
    return torch.load(p) if os.path.exists(p) else None


def step_rng(seed, step):
    """The draw of one step depends only on (seed, step): resumable."""
    return random.Random(seed * 1_000_003 + step)


def images(specs):
    """[-1, 1] NCHW float tensor of rendered specs."""
    a = np.stack([world.render(s) for s in specs]).astype(np.float32)
    return torch.from_numpy(a).permute(0, 3, 1, 2) / 127.5 - 1


def shape_weight(x, bg, k):
    """1 on the background, 1 + k on the shapes and a pixel around them: the
    judge reads shapes, which are a small share of the pixels."""
    m = ((x - bg).abs().amax(1, keepdim=True) > 0).float()
    return 1 + k * torch.nn.functional.max_pool2d(m, 3, 1, 1)


def save_ae_ckpt(ae, path):
    """train_gpu.py's stage-1 checkpoint: weights, latent scale/shift and the parameters (any depth)."""
    torch.save({"model": ae.state_dict(), "scale": ae.scale_factor, "shift": ae.shift_factor, "params": ae.p}, path)


def load_ae_ckpt(path, params=None, map_location="cpu"):
    """The autoencoder of a save_ae_ckpt file (params: for checkpoints written before they held them)."""
    import models
    d = torch.load(path, map_location=map_location)
    ae = models.AutoEncoder(d.get("params", params or AE)).to(map_location)
    ae.load_state_dict(d["model"])
    ae.scale_factor, ae.shift_factor = d["scale"], d["shift"]
    return ae
