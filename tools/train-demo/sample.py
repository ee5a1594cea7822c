"""PyTorch sampler for an exported folder: the reference the engine's output
is compared with (same tokens, same noise, same schedule).

  /usr/bin/python3 sample.py --model DIR -p PROMPT --seed 0 --steps 4 -o out.png
"""
import argparse
import json
import os
import subprocess

import numpy as np
import torch

import common
import models
import st


def load(folder):
    def part(sub, stem):
        w, _ = st.load(os.path.join(folder, sub, stem + ".safetensors"))
        return {k: v.float() for k, v in w.items()}, json.load(open(os.path.join(folder, sub, "config.json")))
    fw, fc = part("transformer", "diffusion_pytorch_model")
    flux = models.Flux(dict(common.FLUX, hidden_size=fc["attention_head_dim"] * fc["num_attention_heads"],
                            num_heads=fc["num_attention_heads"], depth=fc["num_layers"],
                            depth_single_blocks=fc["num_single_layers"], axes_dim=fc["axes_dims_rope"],
                            vec_in_dim=fc["pooled_projection_dim"], context_in_dim=fc["joint_attention_dim"]))
    flux.load_state_dict(fw)
    aw, acfg = part("vae", "diffusion_pytorch_model")
    ae = models.AutoEncoder(common.ae_config(acfg))
    ae.load_state_dict(aw)
    cw, cc = part("text_encoder", "model")
    clip = models.CLIPText(cc)
    clip.load_state_dict(cw)
    tw, tc = part("text_encoder_2", "model")
    t5 = models.T5Encoder(tc)
    t5.load_state_dict(tw)
    return flux, ae, clip, t5, fc["max_sequence_length"]


def load_flux(path):
    """An exported folder's transformer, or a single file written by teacher.py (the teacher)."""
    if os.path.isdir(path):
        return load(path)[0]
    flux = models.Flux(common.FLUX)
    flux.load_state_dict({k: v.float() for k, v in st.load(path)[0].items()})
    return flux


@torch.no_grad()
def generate(m, prompt, seed, steps):
    flux, ae, clip, t5, tlen = m
    exe = os.path.join(common.RUNS, "tokenize")
    if not os.path.exists(exe):
        subprocess.run(["go", "build", "-o", exe, "./tools/train-demo/tokenize"], cwd=common.ROOT, check=True)
    r = subprocess.run([exe, "-t5-len", str(tlen)], input=prompt + "\n", capture_output=True, text=True, check=True)
    d = json.loads(r.stdout)
    y, txt = clip(torch.tensor([d["clip"]])), t5(torch.tensor([d["t5"]]))
    n = common.latent_size(ae.p)
    noise = torch.randn((1, 16, n, n), generator=torch.Generator().manual_seed(seed), dtype=torch.bfloat16).float()
    x = models.pack(noise)
    ts = np.linspace(1.0, 0.0, steps + 1)
    for k in range(steps):
        t = torch.full((1,), float(ts[k]))
        x = x + (ts[k + 1] - ts[k]) * flux(x, models.img_ids(1, n, n), txt, torch.zeros(1, txt.shape[1], 3), t, y)
    img = ae.decode(models.unpack(x, n, n)).clamp(-1, 1)
    return (127.5 * (img + 1)).to(torch.uint8)[0].permute(1, 2, 0).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("-p", "--prompt", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--compare", help="a PNG (the engine's) to compare with")
    a = ap.parse_args()
    img = generate(load(a.model), a.prompt, a.seed, a.steps)
    st.write_png(a.out, img)
    if a.compare:
        other = st.read_png(a.compare).astype(np.int32)
        d = np.abs(other - img.astype(np.int32))
        print(json.dumps({"max_level_diff": int(d.max()), "mean_level_diff": round(float(d.mean()), 3),
                          "pixels_over_8": int((d > 8).any(-1).sum())}))


if __name__ == "__main__":
    main()
