#!/usr/bin/env bash
# The GPU checks, on the device machine, in order of value, each under its
# own time limit; at most 8 files come back, so each group writes one file
# under $OUT. Prepared by tools/device-prep.sh checks; see its header.
set -uo pipefail
cd "$(dirname "$0")/.."
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
out=${OUT:-/tmp/flux-vk-out}
mkdir -p "$out"
bin=./flux-vk-dev
# run NAME SECONDS CMD...: appends the command's output to $out/NAME.txt.
run() {
  local name=$1 lim=$2
  shift 2
  echo "== $* (limit ${lim}s)" | tee -a "$out/$name.txt"
  local t0=$SECONDS
  timeout "$lim" "$@" >>"$out/$name.txt" 2>&1
  echo "   exit $? after $((SECONDS - t0))s" | tee -a "$out/$name.txt"
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$out/checks.txt" 2>&1
run checks 30 $bin devices
run checks 120 $bin check testdata/golden testdata/tokenizers/golden_ids.json
run checks 60 $bin check --precision f32 testdata/golden
run ops 120 $bin bench ops --json
run model 90 $bin bench model --json --cfg
run model 60 $bin bench model --json --weight-type q8_0
run model 60 $bin bench model --json --weight-type q4_0
run model 60 $bin bench model --json --offload-to-cpu
tail -n 3 "$out"/*.txt
