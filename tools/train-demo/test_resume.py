"""A stage stopped right after a mid-stage checkpoint (train_gpu.Partial) and started again ends with
the same networks, bit for bit, as the same stage run through without stopping: stage 2 (with caption
dropout) and stage 3 (with guidance and quantization-aware steps). Small batches and a random
autoencoder; a few steps each on the CPU. Needs no pool.npz (a stub pool of fresh scenes, ids made up)."""
import argparse
import random
import tempfile

import numpy as np
import torch

import common
import models
import train_gpu
import world


class Stopped(Exception):
    pass


def stub_pool(n=16):
    """What stage 2 and 3 read of a Pool: specs, CLIP / T5 ids, idx()."""
    rng = random.Random(1)
    p = train_gpu.Pool.__new__(train_gpu.Pool)
    p.spec = torch.tensor(np.array([world.spec_array(world.sample_spec(rng)) for _ in range(n)], dtype=np.float32))
    ids = torch.Generator().manual_seed(1)
    p.clip = torch.randint(0, 49406, (n, 77), generator=ids)
    p.clip[:, 0], p.clip[:, 12:] = 49406, 49407  # start, words, end (= CLIP's padding)
    p.t5 = torch.randint(2, 32000, (n, common.T5_LEN), generator=ids)
    p.t5[:, 10], p.t5[:, 11:] = 1, 0  # words, end, padding
    p.n = n
    return p


def args(out, **kv):
    a = argparse.Namespace(out=out, t2=1e9, t3=1e9, steps2=4, steps3=3, b2=4, b3=2, lr2=1e-3, lr3=1e-3, warmup2=2,
                           drop2=0.5, shape_weight2=0.0, init=None, text=None, freeze_text=False, fine=1, cfg3=2.0,
                           qat3=0.5, ema3=0.9, shift2=2.0, init_student=None, ckpt_every=1e-9)  # a checkpoint after every step
    vars(a).update(kv)
    return a


def stop_after(step):
    """Partial.save that stops the run right after writing the checkpoint of this step."""
    save = train_gpu.Partial.save

    def stopping(self, parts, opt, gen, s, *rest, **kv):
        save(self, parts, opt, gen, s, *rest, **kv)
        if s == step:
            raise Stopped
    return stopping


def run(stage, a, stop=None):
    """The stage's result; with stop, stopped after that step's checkpoint and then started again."""
    if stop is not None:
        plain, train_gpu.Partial.save = train_gpu.Partial.save, stop_after(stop)
        try:
            stage(a)
            raise AssertionError("the stage did not stop at step %d" % stop)
        except Stopped:
            pass
        finally:
            train_gpu.Partial.save = plain
    return stage(a)


def same(m1, m2, what):
    s1, s2 = m1.state_dict(), m2.state_dict()
    bad = [k for k in s1 if not torch.equal(s1[k], s2[k])]
    assert not bad, "%s: %d tensors differ after resuming, e.g. %s" % (what, len(bad), bad[:3])


def main():
    more, _ = train_gpu.timed(60, 0, spent=60)  # a resumed time-budgeted stage counts the time already spent
    assert not more(0), "timed() ignores the seconds a resumed stage had spent"
    torch.manual_seed(0)
    torch.set_num_threads(1)
    pool, ae = stub_pool(), models.AutoEncoder(common.AE).eval()
    log = lambda *a, **kv: None  # noqa: E731
    teacher = torch.nn.ModuleList(train_gpu.encoders("cpu"))
    stage2 = lambda a: train_gpu.stage2(a, pool, ae, "cpu", log)  # noqa: E731
    stage3 = lambda a: train_gpu.stage3(a, pool, ae, teacher, "cpu", log)  # noqa: E731
    for name, stage, stop in [("stage 2", stage2, 2), ("stage 3", stage3, 1)]:
        with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
            for d in (d1, d2):
                train_gpu.os.makedirs(d + "/ckpt")
            through = run(stage, args(d1))
            resumed = run(stage, args(d2), stop)
            same(through, resumed, name)
            print("%s: stopped after step %d and resumed = run through, bit for bit" % (name, stop))


if __name__ == "__main__":
    main()
