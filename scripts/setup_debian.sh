#!/bin/bash
# Installs every Debian 12 package that the build, the tests and the benchmark need.
# Idempotent; run as root (or with sudo). Used by the README, .ci/run and the Dockerfile.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # core: LibTorch 1.13 (CPU) with a fast BLAS, OpenCV, abseil, JSON for safetensors headers, zlib
  libtorch-dev libopenblas0-pthread libopencv-dev libabsl-dev nlohmann-json3-dev zlib1g-dev
  # server and client: gRPC, Protobuf, prometheus-cpp
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc prometheus-cpp-dev libssl-dev
  # tests
  libgtest-dev libgmock-dev
  # tests: an independent gRPC client (Debian's grpcio), certificates for TLS, the metrics page
  python3-grpcio python3-protobuf openssl curl
  # tests: the independent Python reference (Debian's torch 1.13, NumPy, OpenCV)
  python3 python3-numpy python3-torch python3-opencv
)

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
