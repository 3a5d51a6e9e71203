#!/bin/bash
# Configures and builds everything into build/ (ccache is used when present).
#   usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DITACLIP_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
