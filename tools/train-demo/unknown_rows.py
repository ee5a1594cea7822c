"""The text encoders' vocabulary rows that training never used, made neutral.

Both encoders keep the tokenizers' full vocabularies (49 408 and 32 128 rows) but the
training captions use fewer than a hundred ids: every other row is still its random
initialisation (T5's at the norm of a trained one), so a word the captions never had
("image", "drawing", "solid", ";") reaches the attention as a loud random vector and
can drown out the words around it. Every unused row is set to one vector:

  zero  all zeros
  mean  the mean of the used rows
  pad   the padding token's row (the captions end in dozens of them: a token the model
        has learned to look past)

  /usr/bin/python3 unknown_rows.py --model ../../demo/model --mode zero --out runs/unk-zero/model
  /usr/bin/python3 unknown_rows.py --check-set /tmp/train240.json /tmp/train240_unk.json
"""
import argparse
import json
import os
import random
import re
import shutil

import torch

import common
import export
import sample


def unknown_words(part):
    """Words the captions never use, for teaching the encoders to look past them: whole words of
    CLIP's vocabulary (4-10 letters) that no template, synonym, filler or held-out prompt has. Half
    of them (part 0) for training, the other half (part 1) for checking, so neither the check nor the
    held-out set ever shows a word that training inserted."""
    import pretrain_text
    import world
    vocab = json.load(open(os.path.join(common.ROOT, "loader", "tokenizer", "data", "clip", "vocab.json")))
    used = set(re.findall(r"[a-z]+", json.dumps(world.W).lower() + " ".join(pretrain_text.FILLERS)))
    held = json.load(open(os.path.join(common.ROOT, "demo", "heldout.json")))["prompts"]
    used |= set(re.findall(r"[a-z]+", " ".join(p["prompt"] for p in held).lower()))
    words = sorted({k[:-4] for k in vocab if k.endswith("</w>") and re.fullmatch(r"[a-z]{4,10}", k[:-4])} - used)
    return words[part::2]


def used_ids(pool_path):
    """The ids any training caption has, for each encoder (pool.npz holds them all, padding included)."""
    import train_gpu
    return train_gpu.Pool(pool_path, "cpu").used_ids()


def neutralise(table, used, mode, pad_id):
    """Sets every row of table (vocab x width) not in used to the mode's vector; returns how many."""
    keep = torch.zeros(table.shape[0], dtype=torch.bool, device=table.device)
    keep[used.to(table.device)] = True
    vec = {"zero": lambda: torch.zeros(table.shape[1], device=table.device), "mean": lambda: table[keep].mean(0),
           "pad": lambda: table[pad_id].clone()}[mode]()
    with torch.no_grad():
        table[~keep] = vec
    return int((~keep).sum())


def apply(clip, t5, used, mode="zero"):
    """Both encoders' unused rows (used: used_ids' dict); the pad ids are CLIP's end-of-text token
    (its captions are padded with it) and T5's 0. Returns the number of rows set in each."""
    return (neutralise(clip.text_model.embeddings.token_embedding.weight, used["clip"], mode, 49407),
            neutralise(t5.shared.weight, used["t5"], mode, 0))


def write_check_set(src, dst, seed=77):
    """src's prompt set (heldout_samples.py --train-set writes one) with one or two unknown words
    (part 1) put into each prompt: how much a word the encoders never saw still disturbs them."""
    import pretrain_text
    rng, words = random.Random(seed), unknown_words(1)
    h = json.load(open(src))
    for p in h["prompts"]:
        p["prompt"] = pretrain_text.insert_words(rng, p["prompt"], words)
    with open(dst, "w") as f:
        json.dump(h, f, indent=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-set", nargs=2, metavar=("SRC", "DST"),
                    help="only write SRC's prompts with unknown words inserted to DST")
    ap.add_argument("--model", help="exported model folder")
    ap.add_argument("--mode", choices=["zero", "mean", "pad"], default="zero")
    ap.add_argument("--pool", default=os.path.join(common.RUNS, "pool.npz"))
    ap.add_argument("--out", help="a copy of the model with the new tables")
    a = ap.parse_args()
    if a.check_set:
        return write_check_set(*a.check_set)
    if not a.model or not a.out:
        ap.error("give --model and --out (or --check-set SRC DST)")
    common.setup()
    _, _, clip, t5, _ = sample.load(a.model)
    n_c, n_t = apply(clip, t5, used_ids(a.pool), a.mode)
    if os.path.abspath(a.out) != os.path.abspath(a.model):
        shutil.copytree(a.model, a.out, dirs_exist_ok=True)
    export.rewrite_encoders(a.out, clip, t5)
    print("rows set to %s: CLIP %d of %d, T5 %d of %d" % (a.mode, n_c, clip.text_model.embeddings.token_embedding.weight.shape[0],
                                                      n_t, t5.shared.weight.shape[0]))


if __name__ == "__main__":
    main()
