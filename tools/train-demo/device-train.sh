#!/usr/bin/env bash
# The demo model's longer GPU training, as one device call (issue 7): keep an
# exported model's autoencoder (its latent space and the CPU-sharpened decoder;
# default the shipped model, MODEL=... another), warm-start stage 2 from a
# teacher (INIT_FLUX) and that model's text encoders, train it T2
# more seconds, distil T3 seconds, sample the held-out set (student 4 steps,
# teacher 50 and 4), and send everything back as ≤ 15 MiB pieces of one tar.
#
# Here first:  tools/device-prep.sh train      (moves testdata/golden aside: 64 MiB limit)
# Then:        run(command="tools/train-demo/device-train.sh", carry=["tools/train-demo/runs/pool.npz"], timeout_s=600)
#              tools/device-prep.sh restore
# Back here:   cat <files_at>/out.tar.part-* | tar -x -C tools/train-demo/runs/gpu3
#              cp -r tools/train-demo/runs/gpu3/model/* demo/model/
#              /usr/bin/python3 tools/train-demo/teacher.py tools/train-demo/runs/gpu3/teacher
#              ./flux-vk eval-demo --judge tools/train-demo/runs/gpu3/samples/student4 --full   (and teacher50)
# T2=330 T3=120 fit a 600 s call with the start-up and sampling (~40 s on an H100/H200).
# MODEL=DIR and INIT_FLUX=FILE start from another exported model than the shipped one (paths relative
# to tools/train-demo; carry them, and move the unused demo/model and teacher aside:
#   tools/device-prep.sh train demo/model tools/train-demo/teacher).
# DROP2 (default 0.1) is stage 2's caption dropout, CFG3 (default 2.5) the guidance scale of the
# teacher that stage 3 distils (README: "Guidance, distilled"); DROP2=0 CFG3=1 gives the old run.
# SHIFT2 (default 1) shifts stage 2's timesteps toward noise (train_gpu.py --shift2; 2 for a x4
# autoencoder's 64 image tokens, README: "The x4 transformer on the CPU, continued").
# TEXT=FILE (a pretrain_text.py text.pt, relative to tools/train-demo; carry it) replaces the text
# encoders with those and keeps them fixed (README: "Reading the captions").
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/flux-vk-out}
work=/tmp/gpu3
mkdir -p "$out"
export PYTHONUNBUFFERED=1
model=${MODEL:-../../demo/model}                   # autoencoder and text encoders kept from here
flux=${INIT_FLUX:-teacher/transformer.safetensors}  # the transformer stage 2 starts from
python3 seed_ae.py --model "$model" --out "$work" || exit 1
python3 train_gpu.py --out "$work" --init "$model" --init-flux "$flux" ${TEXT:+--text "$TEXT"} \
  --lr2 3e-4 --t2 "${T2:-330}" --t3 "${T3:-120}" --drop2 "${DROP2:-0.1}" --shift2 "${SHIFT2:-1}" --cfg3 "${CFG3:-2.5}" 2>&1 | tail -n 40
tar -C "$work" -cf /tmp/out.tar model teacher samples train.log
split -b 15m /tmp/out.tar "$out/out.tar.part-"
ls -la "$out"
