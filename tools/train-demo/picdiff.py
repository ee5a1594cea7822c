"""How far two folders of the same pictures (pNNN_sS.png) differ: the mean absolute difference of each
pair's RGB values in 8-bit levels (TestGenerateWeightType's measure), its mean, median and maximum over the set, and how
many pairs differ by more than --over levels (a picture whose scene changed: another background or a
shape gone, where a quantized model's noise moves a picture by a few levels).

  /usr/bin/python3 heldout_samples.py --model M --seeds 1 --out /tmp/bf
  /usr/bin/python3 heldout_samples.py --model M --seeds 1 --weight-type q4_0 --out /tmp/q4
  /usr/bin/python3 picdiff.py /tmp/bf /tmp/q4
"""
import argparse
import os

import numpy as np
from PIL import Image


def level_diff(a, b):
    x, y = (np.asarray(Image.open(p).convert("RGB"), dtype=np.int32) for p in (a, b))
    if x.shape != y.shape:
        raise SystemExit("%s and %s differ in size: %s, %s" % (a, b, x.shape, y.shape))
    return float(np.abs(x - y).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--over", type=float, default=24, help="count the pairs that differ by more (levels)")
    ap.add_argument("--list", action="store_true", help="print every pair's difference")
    a = ap.parse_args()
    names = sorted(f for f in os.listdir(a.a) if f.endswith(".png") and os.path.exists(os.path.join(a.b, f)))
    if not names:
        raise SystemExit("no picture of %s is also in %s" % (a.a, a.b))
    d = np.array([level_diff(os.path.join(a.a, f), os.path.join(a.b, f)) for f in names])
    if a.list:
        for f, v in zip(names, d):
            print("%s %.2f" % (f, v))
    print("%d pictures: mean %.2f levels, median %.2f, max %.1f; %d over %g (%.1f%%)" % (
        len(d), d.mean(), np.median(d), d.max(), (d > a.over).sum(), a.over, 100 * (d > a.over).mean()))


if __name__ == "__main__":
    main()
