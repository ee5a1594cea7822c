"""Checks models.py against testdata/golden (the engine's reference data)."""
import json
import os
import sys

import torch

import models
import st

G = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "golden")


def rel(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def case(name):
    w, meta = st.load(os.path.join(G, name + ".weights.safetensors"))
    io, _ = st.load(os.path.join(G, name + ".io.safetensors"))
    return {k: v.float() for k, v in w.items()}, io, json.loads(meta["config"])


def main():
    torch.set_grad_enabled(False)
    w, io, cfg = case("flux_schnell_tiny")
    p = cfg.get("params", cfg)
    m = models.Flux(p)
    m.load_state_dict(w)
    pred = m(io["img"], io["img_ids"], io["txt"], io["txt_ids"], io["timesteps"], io["y"])
    print("flux_schnell_tiny", rel(pred, io["pred"]))
    wd, io, cfg = case("ae_decoder_tiny")
    we, io2, _ = case("ae_encoder_tiny")
    p = cfg.get("params", cfg)
    ae = models.AutoEncoder(p)
    ae.load_state_dict({**wd, **we})
    print("ae_decoder_tiny", rel(ae.decode(io["z"]), io["decoded"]))
    print("ae_encoder_tiny", rel(ae.encode(io2["image"]), io2["latent"]))
    w, io, cfg = case("clip_text_tiny")
    c = cfg.get("hf_config", cfg)
    clip = models.CLIPText(c)
    clip.load_state_dict(w)
    print("clip_text_tiny", rel(clip(io["input_ids"]), io["pooled"]))
    w, io, cfg = case("t5_encoder_tiny")
    c = cfg.get("hf_config", cfg)
    c.setdefault("relative_attention_num_buckets", 32)
    c.setdefault("relative_attention_max_distance", 128)
    t5 = models.T5Encoder(c)
    t5.load_state_dict(w)
    print("t5_encoder_tiny", rel(t5(io["input_ids"]), io["last_hidden_state"]))


if __name__ == "__main__":
    sys.exit(main())
