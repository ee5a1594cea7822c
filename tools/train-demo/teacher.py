"""Copies an exported teacher's transformer to teacher/transformer.safetensors
as a single file carrying its configuration (BFL params + max_sequence_length)
in __metadata__["config"], so `flux-vk eval-demo --diffusion-model` can swap
it into the demo model.

  /usr/bin/python3 teacher.py runs/gpu/teacher [CFG]

CFG: the classifier-free guidance scale stage 3 distilled the teacher at (train_gpu.py --cfg3),
recorded in the note: compare the student with the teacher sampled that way
(eval-demo --cfg-scale CFG).
"""
import json
import os
import sys

import common
import st


def main():
    src = os.path.join(sys.argv[1], "transformer", "diffusion_pytorch_model.safetensors")
    t, _ = st.load(src)
    note = "flux-vk demo model: the 50-step teacher (stage 2, EMA), before distillation"
    if len(sys.argv) > 2:
        note += "; distilled with true CFG %s against the empty prompt" % sys.argv[2]
    cfg = {"component": "flux", "params": common.FLUX, "max_sequence_length": common.T5_LEN, "note": note}
    st.save(os.path.join(common.HERE, "teacher", "transformer.safetensors"), t,
            {"format": "pt", "config": json.dumps(cfg)})


if __name__ == "__main__":
    main()
