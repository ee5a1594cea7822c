"""Writes a trained model as a diffusers FluxPipeline folder, the layout
flux-vk's loader reads first: transformer/ and vae/ with BFL tensor names,
text_encoder/ (CLIPTextModel) and text_encoder_2/ (T5EncoderModel) with HF
names, every tensor BF16. No tokenizer folders: the engine's built-in FLUX.1
tokenizers are the ones the model was trained with."""
import json
import os

import torch

import common
import st


def _bf16(sd):
    return {k: v.detach().float().cpu().to(torch.bfloat16) for k, v in sd.items()}


def _json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def transformer_config():
    f = common.FLUX
    return {"_class_name": "FluxTransformer2DModel", "attention_head_dim": f["hidden_size"] // f["num_heads"],
            "axes_dims_rope": f["axes_dim"], "guidance_embeds": False, "in_channels": f["in_channels"],
            "joint_attention_dim": f["context_in_dim"], "num_attention_heads": f["num_heads"],
            "num_layers": f["depth"], "num_single_layers": f["depth_single_blocks"], "patch_size": 1,
            "pooled_projection_dim": f["vec_in_dim"], "max_sequence_length": common.T5_LEN,
            "note": "flux-vk demo model; tensors use BFL names"}


def write(out, flux, clip, t5, ae):
    """Exports to folder out (created)."""
    meta = {"format": "pt", "source": "flux-vk tools/train-demo"}
    os.makedirs(out, exist_ok=True)
    _json(os.path.join(out, "model_index.json"), {
        "_class_name": "FluxPipeline", "_diffusers_version": "0.30.0",
        "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "T5EncoderModel"], "transformer": ["diffusers", "FluxTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"], "tokenizer": None, "tokenizer_2": None,
        "note": "flux-vk demo model: a tiny FLUX trained on a synthetic world of shapes (tools/train-demo)"})
    _json(os.path.join(out, "scheduler", "scheduler_config.json"), {
        "_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 1.0,
        "use_dynamic_shifting": False})
    _json(os.path.join(out, "transformer", "config.json"), transformer_config())
    st.save(os.path.join(out, "transformer", "diffusion_pytorch_model.safetensors"), _bf16(flux.state_dict()), meta)
    write_vae(out, ae)
    _json(os.path.join(out, "text_encoder", "config.json"), dict(common.CLIP, architectures=["CLIPTextModel"],
                                                                  model_type="clip_text_model", projection_dim=common.CLIP["hidden_size"]))
    st.save(os.path.join(out, "text_encoder", "model.safetensors"), _bf16(clip.state_dict()), meta)
    _json(os.path.join(out, "text_encoder_2", "config.json"), dict(common.T5, architectures=["T5EncoderModel"],
                                                                    model_type="t5"))
    st.save(os.path.join(out, "text_encoder_2", "model.safetensors"), _bf16(t5.state_dict()), meta)


def rewrite_encoders(out, clip, t5):
    """Replaces the text encoders' tensors of the exported folder out (BF16, metadata kept)."""
    for sub, m in (("text_encoder", clip), ("text_encoder_2", t5)):
        path = os.path.join(out, sub, "model.safetensors")
        st.save(path, _bf16(m.state_dict()), st.load(path)[1])


def write_vae(out, ae):
    """Writes out/vae (config and BF16 tensors)."""
    meta = {"format": "pt", "source": "flux-vk tools/train-demo"}
    a = ae.p
    _json(os.path.join(out, "vae", "config.json"), {
        "_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": a["z_channels"],
        "block_out_channels": [a["ch"] * m for m in a["ch_mult"]], "layers_per_block": a["num_res_blocks"],
        "norm_num_groups": 32, "sample_size": a["resolution"], "scaling_factor": ae.scale_factor,
        "shift_factor": ae.shift_factor, "use_quant_conv": False, "use_post_quant_conv": False,
        "note": "tensors use BFL ae.safetensors names"})
    st.save(os.path.join(out, "vae", "diffusion_pytorch_model.safetensors"), _bf16(ae.state_dict()), meta)
