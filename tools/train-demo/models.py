"""FLUX.1 architecture family in PyTorch, with the checkpoints' own names.

Transformer and autoencoder follow black-forest-labs/flux (BFL names), the
text encoders transformers' CLIPTextModel and T5EncoderModel (HF names), so
state_dict() is what the engine loads. Checked against testdata/golden by
check_golden.py.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def sdpa(q, k, v, causal=False):
    """softmax(q kᵀ / √d) v (torch 1.13 has no scaled_dot_product_attention)."""
    w = (q @ k.transpose(-1, -2)) * (q.shape[-1] ** -0.5)
    if causal:
        l = q.shape[-2]
        w = w.masked_fill(torch.ones(l, l, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return torch.softmax(w, dim=-1) @ v


# ---------------- FLUX transformer ----------------

def rope(pos, dim, theta):
    scale = torch.arange(0, dim, 2, dtype=torch.float64, device=pos.device) / dim
    omega = 1.0 / (theta ** scale)
    out = pos.to(torch.float64)[..., None] * omega
    out = torch.stack([torch.cos(out), -torch.sin(out), torch.sin(out), torch.cos(out)], dim=-1)
    return out.reshape(*out.shape[:-1], 2, 2).float()


def apply_rope(x, pe):
    x_ = x.float().reshape(*x.shape[:-1], -1, 1, 2)
    out = pe[..., 0] * x_[..., 0] + pe[..., 1] * x_[..., 1]
    return out.reshape(*x.shape).type_as(x)


def timestep_embedding(t, dim=256, max_period=10000, time_factor=1000.0):
    t = time_factor * t
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class MLPEmbedder(nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.in_layer = nn.Linear(i, h)
        self.out_layer = nn.Linear(h, h)

    def forward(self, x):
        return self.out_layer(F.silu(self.in_layer(x)))


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(d))

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6)).type_as(x) * self.scale


class QKNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.query_norm = RMSNorm(d)
        self.key_norm = RMSNorm(d)


class SelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.norm = QKNorm(dim // heads)
        self.proj = nn.Linear(dim, dim)


class Modulation(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self.n = n
        self.lin = nn.Linear(dim, n * dim)

    def forward(self, vec):
        return self.lin(F.silu(vec))[:, None, :].chunk(self.n, dim=-1)


def split_heads(qkv, heads):
    b, l, _ = qkv.shape
    q, k, v = qkv.reshape(b, l, 3, heads, -1).permute(2, 0, 3, 1, 4)
    return q, k, v


def attention(q, k, v, pe):
    q, k = apply_rope(q, pe), apply_rope(k, pe)
    x = sdpa(q, k, v)
    b, h, l, d = x.shape
    return x.transpose(1, 2).reshape(b, l, h * d)


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def ln(x):
    return F.layer_norm(x, x.shape[-1:], eps=1e-6)


class DoubleStreamBlock(nn.Module):
    def __init__(self, h, heads, mlp):
        super().__init__()
        self.heads = heads
        for s in ("img", "txt"):
            setattr(self, s + "_mod", Modulation(h, 6))
            setattr(self, s + "_attn", SelfAttention(h, heads))
            setattr(self, s + "_mlp", nn.Sequential(nn.Linear(h, mlp), nn.GELU(approximate="tanh"), nn.Linear(mlp, h)))

    def _qkv(self, attn, x, mod):
        q, k, v = split_heads(attn.qkv((1 + mod[1]) * ln(x) + mod[0]), self.heads)
        return attn.norm.query_norm(q), attn.norm.key_norm(k), v

    def forward(self, img, txt, vec, pe):
        im, tm = self.img_mod(vec), self.txt_mod(vec)
        iq, ik, iv = self._qkv(self.img_attn, img, im)
        tq, tk, tv = self._qkv(self.txt_attn, txt, tm)
        a = attention(torch.cat([tq, iq], 2), torch.cat([tk, ik], 2), torch.cat([tv, iv], 2), pe)
        lt = txt.shape[1]
        img = img + im[2] * self.img_attn.proj(a[:, lt:])
        img = img + im[5] * self.img_mlp((1 + im[4]) * ln(img) + im[3])
        txt = txt + tm[2] * self.txt_attn.proj(a[:, :lt])
        txt = txt + tm[5] * self.txt_mlp((1 + tm[4]) * ln(txt) + tm[3])
        return img, txt


class SingleStreamBlock(nn.Module):
    def __init__(self, h, heads, mlp):
        super().__init__()
        self.h, self.heads, self.mlp = h, heads, mlp
        self.linear1 = nn.Linear(h, 3 * h + mlp)
        self.linear2 = nn.Linear(h + mlp, h)
        self.norm = QKNorm(h // heads)
        self.modulation = Modulation(h, 3)

    def forward(self, x, vec, pe):
        shift, scale, gate = self.modulation(vec)
        qkv, m = torch.split(self.linear1((1 + scale) * ln(x) + shift), [3 * self.h, self.mlp], dim=-1)
        q, k, v = split_heads(qkv, self.heads)
        a = attention(self.norm.query_norm(q), self.norm.key_norm(k), v, pe)
        return x + gate * self.linear2(torch.cat([a, gelu_tanh(m)], 2))


class LastLayer(nn.Module):
    def __init__(self, h, out):
        super().__init__()
        self.linear = nn.Linear(h, out)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(h, 2 * h))

    def forward(self, x, vec):
        shift, scale = self.adaLN_modulation(vec).chunk(2, dim=1)
        return self.linear((1 + scale[:, None]) * ln(x) + shift[:, None])


class Flux(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p
        h, heads = p["hidden_size"], p["num_heads"]
        mlp = int(h * p["mlp_ratio"])
        self.img_in = nn.Linear(p["in_channels"], h)
        self.time_in = MLPEmbedder(256, h)
        self.vector_in = MLPEmbedder(p["vec_in_dim"], h)
        if p["guidance_embed"]:
            self.guidance_in = MLPEmbedder(256, h)
        self.txt_in = nn.Linear(p["context_in_dim"], h)
        self.double_blocks = nn.ModuleList([DoubleStreamBlock(h, heads, mlp) for _ in range(p["depth"])])
        self.single_blocks = nn.ModuleList([SingleStreamBlock(h, heads, mlp) for _ in range(p["depth_single_blocks"])])
        self.final_layer = LastLayer(h, p["out_channels"])

    def pe(self, ids):
        axes = self.p["axes_dim"]
        return torch.cat([rope(ids[..., i], axes[i], self.p["theta"]) for i in range(len(axes))], dim=-3).unsqueeze(1)

    def forward(self, img, img_ids, txt, txt_ids, t, y, guidance=None):
        img = self.img_in(img)
        vec = self.time_in(timestep_embedding(t)) + self.vector_in(y)
        if self.p["guidance_embed"]:
            vec = vec + self.guidance_in(timestep_embedding(guidance))
        txt = self.txt_in(txt)
        pe = self.pe(torch.cat([txt_ids, img_ids], 1))
        for b in self.double_blocks:
            img, txt = b(img, txt, vec, pe)
        x = torch.cat([txt, img], 1)
        for b in self.single_blocks:
            x = b(x, vec, pe)
        return self.final_layer(x[:, txt.shape[1]:], vec)


def img_ids(b, lh, lw):
    ids = torch.zeros(lh // 2, lw // 2, 3)
    ids[..., 1] = torch.arange(lh // 2)[:, None]
    ids[..., 2] = torch.arange(lw // 2)[None, :]
    return ids.reshape(1, -1, 3).expand(b, -1, -1)


def pack(z):
    b, c, h, w = z.shape
    return z.reshape(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(x, h, w):
    b, l, d = x.shape
    c = d // 4
    return x.reshape(b, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


# ---------------- autoencoder ----------------

def gn(c):
    return nn.GroupNorm(32, c, eps=1e-6, affine=True)


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = gn(c)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        h = self.norm(x)
        b, c, hh, ww = x.shape
        q, k, v = (m(h).reshape(b, 1, c, hh * ww).transpose(2, 3) for m in (self.q, self.k, self.v))
        a = sdpa(q, k, v).transpose(2, 3).reshape(b, c, hh, ww)
        return x + self.proj_out(a)


class ResnetBlock(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.norm1, self.conv1 = gn(i), nn.Conv2d(i, o, 3, padding=1)
        self.norm2, self.conv2 = gn(o), nn.Conv2d(o, o, 3, padding=1)
        if i != o:
            self.nin_shortcut = nn.Conv2d(i, o, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, "nin_shortcut"):
            x = self.nin_shortcut(x)
        return x + h


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Module):
    pass


class Mid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = ResnetBlock(c, c), AttnBlock(c), ResnetBlock(c, c)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        ch, mult, nrb = p["ch"], p["ch_mult"], p["num_res_blocks"]
        self.conv_in = nn.Conv2d(p["in_channels"], ch, 3, padding=1)
        self.down = nn.ModuleList()
        bi = ch
        for i, m in enumerate(mult):
            lv = Level()
            lv.block = nn.ModuleList()
            for _ in range(nrb):
                lv.block.append(ResnetBlock(bi, ch * m))
                bi = ch * m
            lv.attn = nn.ModuleList()
            if i != len(mult) - 1:
                lv.downsample = Downsample(bi)
            self.down.append(lv)
        self.mid = Mid(bi)
        self.norm_out = gn(bi)
        self.conv_out = nn.Conv2d(bi, 2 * p["z_channels"], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for lv in self.down:
            for b in lv.block:
                h = b(h)
            if hasattr(lv, "downsample"):
                h = lv.downsample(h)
        return self.conv_out(F.silu(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        ch, mult, nrb = p["ch"], p["ch_mult"], p["num_res_blocks"]
        bi = ch * mult[-1]
        self.conv_in = nn.Conv2d(p["z_channels"], bi, 3, padding=1)
        self.mid = Mid(bi)
        ups = []
        for i in reversed(range(len(mult))):
            lv = Level()
            lv.block = nn.ModuleList()
            for _ in range(nrb + 1):
                lv.block.append(ResnetBlock(bi, ch * mult[i]))
                bi = ch * mult[i]
            lv.attn = nn.ModuleList()
            if i != 0:
                lv.upsample = Upsample(bi)
            ups.insert(0, lv)
        self.up = nn.ModuleList(ups)
        self.norm_out = gn(bi)
        self.conv_out = nn.Conv2d(bi, p["out_ch"], 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):
            for b in self.up[i].block:
                h = b(h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoEncoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p
        self.encoder, self.decoder = Encoder(p), Decoder(p)
        self.scale_factor, self.shift_factor = p["scale_factor"], p["shift_factor"]

    def moments(self, x):
        return torch.chunk(self.encoder(x), 2, dim=1)

    def encode(self, x):
        mean, _ = self.moments(x)
        return self.scale_factor * (mean - self.shift_factor)

    def decode(self, z):
        return self.decoder(z / self.scale_factor + self.shift_factor)


# ---------------- CLIP text model ----------------

class CLIPLayer(nn.Module):
    def __init__(self, d, ff, heads):
        super().__init__()
        self.heads = heads
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn = nn.Module()
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self.self_attn, n, nn.Linear(d, d))
        self.mlp = nn.Module()
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        b, l, d = x.shape
        h = self.layer_norm1(x)
        sa = self.self_attn
        q, k, v = (m(h).reshape(b, l, self.heads, -1).transpose(1, 2) for m in (sa.q_proj, sa.k_proj, sa.v_proj))
        a = sdpa(q, k, v, causal=True).transpose(1, 2).reshape(b, l, d)
        x = x + sa.out_proj(a)
        h = self.mlp.fc1(self.layer_norm2(x))
        return x + self.mlp.fc2(h * torch.sigmoid(1.702 * h))


class CLIPText(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        tm = nn.Module()
        tm.embeddings = nn.Module()
        tm.embeddings.token_embedding = nn.Embedding(c["vocab_size"], c["hidden_size"])
        tm.embeddings.position_embedding = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        tm.encoder = nn.Module()
        tm.encoder.layers = nn.ModuleList([CLIPLayer(c["hidden_size"], c["intermediate_size"], c["num_attention_heads"])
                                           for _ in range(c["num_hidden_layers"])])
        tm.final_layer_norm = nn.LayerNorm(c["hidden_size"])
        self.text_model = tm

    def forward(self, ids):
        tm = self.text_model
        x = tm.embeddings.token_embedding(ids) + tm.embeddings.position_embedding.weight[: ids.shape[1]]
        for layer in tm.encoder.layers:
            x = layer(x)
        x = tm.final_layer_norm(x)
        eos = (ids == 49407).int().argmax(dim=1)
        return x[torch.arange(x.shape[0], device=x.device), eos]


# ---------------- T5 encoder ----------------

def t5_bucket(rel, num_buckets=32, max_distance=128):
    nb = num_buckets // 2
    out = (rel > 0).long() * nb
    rel = rel.abs()
    max_exact = nb // 2
    large = max_exact + (torch.log(rel.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact)
                         * (nb - max_exact)).long()
    large = large.clamp(max=nb - 1)
    return out + torch.where(rel < max_exact, rel, large)


class T5RMS(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))


class T5Block(nn.Module):
    def __init__(self, d, inner, ff, heads, first, buckets):
        super().__init__()
        self.heads = heads
        a = nn.Module()
        a.layer_norm = T5RMS(d)
        a.SelfAttention = nn.Module()
        for n, shape in (("q", (d, inner)), ("k", (d, inner)), ("v", (d, inner)), ("o", (inner, d))):
            setattr(a.SelfAttention, n, nn.Linear(*shape, bias=False))
        if first:
            a.SelfAttention.relative_attention_bias = nn.Embedding(buckets, heads)
        f = nn.Module()
        f.layer_norm = T5RMS(d)
        f.DenseReluDense = nn.Module()
        f.DenseReluDense.wi_0 = nn.Linear(d, ff, bias=False)
        f.DenseReluDense.wi_1 = nn.Linear(d, ff, bias=False)
        f.DenseReluDense.wo = nn.Linear(ff, d, bias=False)
        self.layer = nn.ModuleList([a, f])

    def forward(self, x, bias):
        b, l, _ = x.shape
        sa = self.layer[0].SelfAttention
        h = self.layer[0].layer_norm(x)
        q, k, v = (m(h).reshape(b, l, self.heads, -1).transpose(1, 2) for m in (sa.q, sa.k, sa.v))
        w = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)
        x = x + sa.o((w @ v).transpose(1, 2).reshape(b, l, -1))
        ff = self.layer[1].DenseReluDense
        h = self.layer[1].layer_norm(x)
        return x + ff.wo(gelu_tanh(ff.wi_0(h)) * ff.wi_1(h))


class T5Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        inner = c["num_heads"] * c["d_kv"]
        self.shared = nn.Embedding(c["vocab_size"], c["d_model"])
        self.encoder = nn.Module()
        self.encoder.block = nn.ModuleList([T5Block(c["d_model"], inner, c["d_ff"], c["num_heads"], i == 0,
                                                    c["relative_attention_num_buckets"]) for i in range(c["num_layers"])])
        self.encoder.final_layer_norm = T5RMS(c["d_model"])

    def forward(self, ids):
        l = ids.shape[1]
        pos = torch.arange(l, device=ids.device)
        buckets = t5_bucket(pos[None, :] - pos[:, None], self.c["relative_attention_num_buckets"],
                            self.c["relative_attention_max_distance"])
        bias = self.encoder.block[0].layer[0].SelfAttention.relative_attention_bias(buckets).permute(2, 0, 1)[None]
        x = self.shared(ids)
        for blk in self.encoder.block:
            x = blk(x, bias)
        return self.encoder.final_layer_norm(x)
