#!/usr/bin/env bash
# Compile shaders/*.comp (and the variants listed in shaders/variants.txt) to
# the SPIR-V files in shaders/spv/ that are committed and embedded in the
# binary, so building flux-vk needs no shader compiler.
#
#   tools/glslc.sh           rebuild every .spv
#   tools/glslc.sh --check   exit 1 if any committed .spv differs from a fresh build
set -euo pipefail
cd "$(dirname "$0")/../shaders"
command -v glslc >/dev/null || { echo "glslc not found: sudo apt-get install glslc" >&2; exit 2; }

check=0
[ "${1:-}" = "--check" ] && check=1
out=spv
if [ $check = 1 ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi

# Each job: output name, source, extra flags.
jobs=()
for src in *.comp; do jobs+=("${src%.comp}|$src|"); done
if [ -f variants.txt ]; then
  while read -r name src flags; do
    case "$name" in ''|'#'*) continue ;; esac
    jobs+=("$name|$src|$flags")
  done < variants.txt
fi

compile() {
  local name=$1 src=$2 flags=$3
  # shellcheck disable=SC2086
  glslc -fshader-stage=compute --target-env=vulkan1.2 -O -I include $flags "$src" -o "$out/$name.spv"
}
export -f compile
export out
printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c 'IFS="|" read -r n s f <<< "{}"; compile "$n" "$s" "$f"'

if [ $check = 1 ]; then
  stale=0
  for f in "$out"/*.spv; do
    n=$(basename "$f")
    if ! cmp -s "$f" "spv/$n"; then echo "stale or missing: shaders/spv/$n" >&2; stale=1; fi
  done
  for f in spv/*.spv; do
    [ -e "$f" ] || continue
    [ -e "$out/$(basename "$f")" ] || { echo "orphan (no source): shaders/$f" >&2; stale=1; }
  done
  [ $stale = 0 ] || { echo "run tools/glslc.sh and commit shaders/spv" >&2; exit 1; }
  echo "shaders/spv is up to date (${#jobs[@]} shaders)"
fi
