"""render_torch.render equals world.render (the Go twin is checked against
world.render's output by demo's tests through golden pictures)."""
import random

import numpy as np
import torch

import render_torch
import world


def main():
    rng = random.Random(5)
    specs = [world.sample_spec(rng, heldout=True) for _ in range(64)]
    ref = np.stack([world.render(s) for s in specs]).astype(np.int32)
    got = render_torch.render(torch.tensor([world.spec_array(s) for s in specs], dtype=torch.float32))
    got = ((got + 1) * 127.5).round().permute(0, 2, 3, 1).numpy().astype(np.int32)
    diff = np.abs(ref - got)
    print("max level difference", diff.max(), "pixels differing", int((diff > 0).any(-1).sum()), "of", diff.shape[0] * 64 * 64)
    assert diff.max() <= 64 and (diff > 0).any(-1).sum() < 20, "renderers disagree"


if __name__ == "__main__":
    main()
