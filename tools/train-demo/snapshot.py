"""Exports the EMA networks of a run's mid-stage checkpoint (train_gpu.Partial) as a model folder, so a
stage that runs for hours on the CPU can be judged on the way (heldout_samples.py, eval-demo --judge)
without stopping it.

  /usr/bin/python3 snapshot.py --run runs/x4d --out /tmp/snap          # stage 2: the teacher so far
  /usr/bin/python3 snapshot.py --run runs/x4d --stage 3 --out /tmp/snap  # stage 3: the student so far

Stage 2's text encoders get their unused vocabulary rows zeroed, as train_gpu.py does when the stage ends;
stage 3's come from the finished stage 2 (ckpt/teacher.pt).
"""
import argparse
import os

import torch

import common
import export
import train_gpu
import unknown_rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="train_gpu.py's --out folder")
    ap.add_argument("--stage", type=int, choices=[2, 3], default=2)
    ap.add_argument("--pool", default=os.path.join(common.RUNS, "pool.npz"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    common.setup()
    ck = os.path.join(a.run, "ckpt")
    part = torch.load(os.path.join(ck, "stage%d-partial.pt" % a.stage), map_location="cpu")
    nets = torch.nn.ModuleList(train_gpu.encoders("cpu"))
    if a.stage == 2:
        nets.load_state_dict(part["ema"])
        unknown_rows.apply(nets[1], nets[2], train_gpu.Pool(a.pool, "cpu").used_ids())
    else:
        nets.load_state_dict(torch.load(os.path.join(ck, "teacher.pt"), map_location="cpu"))
        nets[0].load_state_dict(part["ema"])
    ae = common.load_ae_ckpt(os.path.join(ck, "ae.pt"))
    export.write(a.out, nets[0], nets[1], nets[2], ae)
    print("stage %d, step %d (%.0f s in): %s" % (a.stage, part["step"], part["spent"], a.out))


if __name__ == "__main__":
    main()
