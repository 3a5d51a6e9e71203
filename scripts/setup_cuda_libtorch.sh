#!/bin/bash
# The CUDA image's build stage (not CI: it downloads gigabytes): NVIDIA's CUDA toolkit from its
# Debian 12 apt repository (LibTorch's CMake config needs nvcc and the CUDA headers and libraries)
# and pip's LibTorch with CUDA, unpacked into PREFIX/site. Afterwards:
#   cmake -DCMAKE_PREFIX_PATH=PREFIX/site/torch/share/cmake ...   (what the Dockerfile passes)
#   PREFIX/ld.so.conf lists the LibTorch and CUDA library folders for the runtime image's ldconfig.
#   usage: scripts/setup_cuda_libtorch.sh PREFIX TORCH_VERSION TORCH_CUDA CUDA_APT_VERSION
#   e.g.   scripts/setup_cuda_libtorch.sh /opt/torch 2.11.0 cu130 13-0
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: setup_cuda_libtorch.sh PREFIX TORCH_VERSION TORCH_CUDA CUDA_APT_VERSION" >&2; exit 2; }
prefix=$1 torch_version=$2 torch_cuda=$3 cuda_apt=$4
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl python3-pip
curl -fsSL -o /tmp/cuda-keyring.deb \
  https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb
dpkg -i /tmp/cuda-keyring.deb && rm /tmp/cuda-keyring.deb
apt-get update -qq
apt-get install -y -qq --no-install-recommends "cuda-toolkit-$cuda_apt"

# --target: a plain folder, outside Debian's (externally managed) Python.
pip3 install --no-cache-dir --target "$prefix/site" \
  --index-url "https://download.pytorch.org/whl/$torch_cuda" "torch==$torch_version"
# pip's LibTorch ships old Protobuf headers (for its ONNX code); they would shadow Debian's 3.21
# headers, which the server's generated code needs. LibTorch's C++ API does not include them.
rm -rf "$prefix/site/torch/include/google"
{
  echo "$prefix/site/torch/lib"
  find "$prefix/site/nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u
} >"$prefix/ld.so.conf"
echo "LibTorch $torch_version+$torch_cuda in $prefix/site/torch; libraries listed in $prefix/ld.so.conf"
