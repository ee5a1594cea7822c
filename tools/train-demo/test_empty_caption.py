"""train_gpu.empty_caption (built from tokenized captions, so the GPU machine needs no Go)
equals what the engine's tokenizers give for the empty prompt, the negative prompt of
`flux-vk eval-demo --cfg-scale`."""
import numpy as np
import torch

import pool as pool_mod
import train_gpu


def main():
    clip, t5, _ = pool_mod.tokenize(["", "a red circle on the left, blue background"])
    clip, t5 = torch.tensor(clip.astype(np.int64)), torch.tensor(t5.astype(np.int64))
    ec, et = train_gpu.empty_caption(clip[1:], t5[1:])
    assert torch.equal(ec[0], clip[0]) and torch.equal(et[0], t5[0]), (ec, clip[0], et, t5[0])
    print("empty caption ids: same as the tokenizers'")


if __name__ == "__main__":
    main()
