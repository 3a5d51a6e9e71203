#!/bin/bash
# Installs every Debian 12 package that the build, the tests and the benchmark need.
# Idempotent; run as root (or with sudo). Used by the README, .ci/run and the Dockerfile.
#   usage: scripts/setup_debian.sh [all|build|build-cuda]
#     all (default)  everything: what CI and developers need
#     build          the toolchain and the libraries: what the CPU image's build stage needs
#     build-cuda     the same without Debian's LibTorch (the CUDA image brings pip's)
set -euo pipefail

build_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # core: OpenCV, abseil, JSON for safetensors headers, zlib
  libopencv-dev libabsl-dev nlohmann-json3-dev zlib1g-dev
  # server and client: gRPC, Protobuf, prometheus-cpp, hiredis (the shared Redis vocabulary store)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc prometheus-cpp-dev libssl-dev
  libhiredis-dev
)
# core: LibTorch 1.13 (CPU) with a fast BLAS
torch_packages=(libtorch-dev libopenblas0-pthread)
test_packages=(
  # tests
  libgtest-dev libgmock-dev
  # tests: an independent gRPC client (Debian's grpcio), certificates for TLS, the metrics page
  python3-grpcio python3-protobuf openssl curl
  # tests: the independent Python reference (Debian's torch 1.13, NumPy, OpenCV)
  python3 python3-numpy python3-torch python3-opencv
  # tests: a real Redis for the shared vocabulary store (redis-cli comes with it)
  redis-server
  # deploy checks (scripts/check_deploy.sh): YAML lint and parsing; kubectl below
  yamllint python3-yaml
)

case "${1:-all}" in
  all) packages=("${build_packages[@]}" "${torch_packages[@]}" "${test_packages[@]}") ;;
  build) packages=("${build_packages[@]}" "${torch_packages[@]}") ;;
  build-cuda) packages=("${build_packages[@]}") ;;
  *) echo "usage: scripts/setup_debian.sh [all|build|build-cuda]" >&2; exit 2 ;;
esac
# `kubectl kustomize` renders deploy/ offline. Debian 12 ships kubectl as kubernetes-client 1.20
# (kustomize v2, which renders deploy/ too); a kubectl already installed (e.g. from Kubernetes' or
# Google's repository, kustomize v5) is used as it is.
if [ "${1:-all}" = all ] && ! command -v kubectl >/dev/null; then packages+=(kubernetes-client); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's libtorch links the generic libblas.so.3: make sure the alternative points at OpenBLAS
# (the reference BLAS is about 20x slower on matrix products).
blas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n1 || true)
if [ -n "$blas" ]; then $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null; fi
