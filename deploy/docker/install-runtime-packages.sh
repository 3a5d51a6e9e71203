#!/bin/bash
# Installs an image's Debian runtime packages: runtime-packages.txt, plus runtime-packages-cpu.txt
# for the cpu variant. Run as root in the Dockerfile's runtime stages.
#   usage: install-runtime-packages.sh cpu|cuda
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/runtime-packages.txt")
case "${1:-}" in
  cpu) lists+=("$here/runtime-packages-cpu.txt") ;;
  cuda) ;;
  *) echo "usage: install-runtime-packages.sh cpu|cuda" >&2; exit 2 ;;
esac
mapfile -t packages < <(grep -hv '^[[:space:]]*\(#\|$\)' "${lists[@]}")
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
rm -rf /var/lib/apt/lists/*
if [ "$1" = cpu ]; then
  # Debian's LibTorch links the generic libblas.so.3: point it at OpenBLAS (as scripts/setup_debian.sh).
  blas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n1)
  update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null
fi
