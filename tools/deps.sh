#!/usr/bin/env bash
# Install what flux-vk needs on Debian/Ubuntu. Idempotent: installs only
# what is missing.
#   tools/deps.sh          runtime + build (Vulkan loader, Mesa drivers, Go check)
#   tools/deps.sh --test   also the validation layer and shader compiler for tests
set -euo pipefail
pkgs=(libvulkan1 libvulkan-dev mesa-vulkan-drivers gcc pkg-config
      libx11-dev libxrandr-dev libxinerama-dev libxcursor-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(vulkan-validationlayers glslc spirv-tools vulkan-tools xvfb)   # xvfb: the viewer's window test
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/doc/install (or apt-get install golang-go on a release that has 1.26)" >&2; exit 1; }
