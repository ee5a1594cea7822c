"""Text encoders with compact token tables for training.

The demo world uses a few hundred of CLIP's 49408 and T5's 32128 token ids.
Training keeps only the rows it has met (Adam over five million unused rows
would cost more than the model); export writes the full tables, the met rows
trained and the others at their deterministic initial values.
"""
import torch
import torch.nn as nn

import models


class Compact(nn.Module):
    def __init__(self, vocab, dim, slots=1024):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(slots, dim) * 0.02)
        self.register_buffer("slot", torch.full((vocab,), -1, dtype=torch.long))
        self.register_buffer("used", torch.zeros((), dtype=torch.long))

    def register(self, ids):
        for i in torch.unique(ids).tolist():
            if self.slot[i] < 0:
                if self.used >= self.weight.shape[0]:
                    raise RuntimeError("compact embedding is full")
                self.slot[i] = self.used
                self.used += 1

    def forward(self, ids):
        self.register(ids)
        return self.weight[self.slot[ids]]

    def full(self, seed):
        g = torch.Generator().manual_seed(seed)
        w = torch.randn(self.slot.shape[0], self.weight.shape[1], generator=g) * 0.02
        ids = (self.slot >= 0).nonzero().flatten()
        w[ids] = self.weight.detach()[self.slot[ids]]
        return w


def make(clip_cfg, t5_cfg):
    clip, t5 = models.CLIPText(clip_cfg), models.T5Encoder(t5_cfg)
    clip.text_model.embeddings.token_embedding = Compact(clip_cfg["vocab_size"], clip_cfg["hidden_size"])
    t5.shared = Compact(t5_cfg["vocab_size"], t5_cfg["d_model"])
    return clip, t5


def clip_pooled(clip, ids):
    """Pooled output; CLIP is causal, so tokens after the last EOS are cut."""
    last = int((ids == 49407).int().argmax(dim=1).max()) + 1
    return clip(ids[:, :last])


def export_state(clip, t5):
    """Full-vocabulary state dicts with HF names."""
    c = {k: v for k, v in clip.state_dict().items() if "token_embedding" not in k}
    c["text_model.embeddings.token_embedding.weight"] = clip.text_model.embeddings.token_embedding.full(11)
    t = {k: v for k, v in t5.state_dict().items() if not k.startswith("shared.")}
    t["shared.weight"] = t5.shared.full(12)
    return c, t
