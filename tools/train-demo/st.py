"""Minimal safetensors reader/writer and PNG writer (no extra packages)."""
import json
import struct
import zlib

import numpy as np
import torch

_DT = {"BF16": torch.bfloat16, "F32": torch.float32, "F16": torch.float16, "I64": torch.int64, "U8": torch.uint8}
_NAME = {v: k for k, v in _DT.items()}


def load(path):
    """(tensors, metadata) with tensors as torch tensors of the stored dtype."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    hdr = json.loads(b[8:8 + n])
    meta = hdr.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for k, v in hdr.items():
        s, e = v["data_offsets"]
        buf = bytearray(b[base + s:base + e])
        t = torch.frombuffer(buf, dtype=_DT[v["dtype"]]) if e > s else torch.zeros(0, dtype=_DT[v["dtype"]])
        out[k] = t.reshape(v["shape"])
    return out, meta


def save(path, tensors, metadata=None):
    """Writes tensors (largest element size first, so each is aligned)."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    hdr, off, blobs = {}, 0, []
    for k, t in items:
        t = t.detach().contiguous().cpu()
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        hdr[k] = {"dtype": _NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        hdr["__metadata__"] = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in metadata.items()}
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for r in blobs:
            f.write(r)


def write_png(path, rgb):
    """rgb: uint8 HWC numpy array."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(tag, data):
        c = tag + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)


def read_png(path):
    """Reads an 8-bit RGB non-interlaced PNG (what flux-vk writes)."""
    b = open(path, "rb").read()
    i, idat = 8, b""
    w = h = ch = 0
    while i < len(b):
        n = struct.unpack(">I", b[i:i + 4])[0]
        tag, data = b[i + 4:i + 8], b[i + 8:i + 8 + n]
        if tag == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", data[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            ch = 3 if ctype == 2 else 4
        elif tag == b"IDAT":
            idat += data
        i += 12 + n
    raw = zlib.decompress(idat)
    stride = w * ch
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    p = 0
    for y in range(h):
        f = raw[p]
        line = np.frombuffer(raw[p + 1:p + 1 + stride], dtype=np.uint8).astype(np.int32)
        p += 1 + stride
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0
            up = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if f == 0:
                v = line[x]
            elif f == 1:
                v = line[x] + a
            elif f == 2:
                v = line[x] + up
            elif f == 3:
                v = line[x] + (a + up) // 2
            else:
                pp = a + up - c
                pa, pb, pc = abs(pp - a), abs(pp - up), abs(pp - c)
                pr = a if pa <= pb and pa <= pc else (up if pb <= pc else c)
                v = line[x] + pr
            cur[x] = v & 255
        out[y] = cur
        prev = cur
    return out.reshape(h, w, ch)[..., :3]
