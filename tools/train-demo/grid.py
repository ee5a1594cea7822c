"""heldout-grid.png: the first held-out prompts as ground truth (top row),
drawn by the shipped 4-step model (middle) and by the 50-step teacher guided
at CFG 2.5, which it was distilled from (bottom), each picture enlarged ×2.

  flux-vk eval-demo --cpu --prompts 10 -o /tmp/grid_s4
  flux-vk eval-demo --cpu --prompts 10 --steps 50 --cfg-scale 2.5 -o /tmp/grid_t50 \
      --diffusion-model tools/train-demo/teacher/transformer.safetensors
  /usr/bin/python3 grid.py /tmp/grid_s4 /tmp/grid_t50 heldout-grid.png
"""
import json
import os
import sys

import numpy as np
from PIL import Image

import common
import world


def main():
    student, teacher, out = sys.argv[1:4]
    specs = json.load(open(os.path.join(common.ROOT, "demo", "heldout.json")))["prompts"][:10]
    rows = [[world.render(s) for s in specs]]
    for d in (student, teacher):
        rows.append([np.asarray(Image.open(os.path.join(d, "p%03d_s0.png" % i)).convert("RGB")) for i in range(len(specs))])
    grid = np.concatenate([np.concatenate(r, axis=1) for r in rows], axis=0)
    Image.fromarray(grid.repeat(2, axis=0).repeat(2, axis=1)).save(out, optimize=True)


if __name__ == "__main__":
    main()
