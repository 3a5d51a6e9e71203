#!/bin/bash
# Configures and builds everything into build/ (ccache is used when present, CMakeLists.txt sets it
# up); ITACLIP_BUILD_JOBS caps the parallel jobs (default: one per CPU).
#   usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DITACLIP_WERROR=ON "$@" >/dev/null
cmake --build build -j"${ITACLIP_BUILD_JOBS:-$(nproc)}"
