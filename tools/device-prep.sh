#!/usr/bin/env bash
# Prepare a run on the device machine (the `device` tool of the team's
# workplace: a GPU, no Go, no network, and a 64 MiB limit on the working
# tree plus what is carried). Run here, before the first device call:
#
#   tools/device-prep.sh checks   build ./flux-vk-dev (no embedded demo model, no viewer: no X11
#                                 libraries needed there), fetch the Vulkan loader's .deb into .gl/,
#                                 and move aside what the checks do not read
#   tools/device-prep.sh train [PATH...]
#                                 move aside what tools/train-demo/device-train.sh does not read
#                                 (testdata/golden, and the PATHs given)
#   tools/device-prep.sh restore  put the moved folders back (do it right after the device calls)
#
# Then: run(command="tools/device-checks.sh", carry=["flux-vk-dev", ".gl"], timeout_s=540)
#   or: run(command="tools/train-demo/device-train.sh", carry=["tools/train-demo/runs/pool.npz"], timeout_s=600)
# The tracked tree alone is ~69 MiB (golden data 34, demo model 19, teacher 10), so
# something must stay behind on every call: the moved folders wait in .aside/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
aside() {
  mkdir -p .aside
  for p in "$@"; do
    [ -e "$p" ] || continue
    mkdir -p ".aside/$(dirname "$p")"
    mv "$p" ".aside/$p"
    echo "moved aside: $p"
  done
}
case "${1:-}" in
checks)
  go build -tags nodemo,noviewer -ldflags "-s -w" -o flux-vk-dev ./cmd/flux-vk
  if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
    mkdir -p .gl /tmp/amd64/partial
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    apt-get $o update -qq && (cd .gl && apt-get $o download libvulkan1)
  fi
  aside tools/train-demo/teacher demo/model
  ;;
train)
  shift
  aside testdata/golden "$@"  # train_gpu.py reads demo/model and the teacher (warm start) unless MODEL/INIT_FLUX say otherwise
  ;;
restore)
  if [ -d .aside ]; then
    (cd .aside && find . -mindepth 1 -maxdepth 3 -type d -empty -delete 2>/dev/null; true)
    for p in testdata/golden demo/model tools/train-demo/teacher; do
      if [ -e ".aside/$p" ]; then mkdir -p "$(dirname "$p")"; mv ".aside/$p" "$p"; echo "restored: $p"; fi
    done
    rm -rf .aside
  fi
  git status --short | grep -v '^??' || true
  exit 0
  ;;
*)
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
# What would travel: tracked files that are there, untracked ones git does not ignore.
bytes=$( (git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null || true) | awk '{s+=$1} END {print s}')
echo "working tree that travels: $((bytes / 1048576)) MiB (limit 64 MiB with what is carried)"
