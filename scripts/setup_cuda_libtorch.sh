#!/bin/bash
# The CUDA image's build stage (not CI: it downloads gigabytes): PyTorch's LibTorch with CUDA from
# a pip index, unpacked into PREFIX/site (torch/ and the nvidia/ wheels it depends on: CUDA
# runtime, cuBLAS, cuDNN, ...), and a CUDA toolkit at /usr/local/cuda, which LibTorch's CMake config
# needs to configure (nvcc, headers, libraries). Afterwards:
#   cmake -DTorch_ROOT=PREFIX/site/torch ...   (what the Dockerfile passes)
#   PREFIX/ld.so.conf lists the LibTorch and CUDA library folders for the runtime image's ldconfig.
#   usage: scripts/setup_cuda_libtorch.sh PREFIX
# Settings (environment; the Dockerfile's build arguments of the same names):
#   TORCH_VERSION     default 2.11.0
#   TORCH_INDEX_URL   the pip index of the wheel; default https://pypi.org/simple (PyPI's 2.11.0
#                     for Linux is the CUDA 13.0 build); for another CUDA, PyTorch's own, e.g.
#                     https://download.pytorch.org/whl/cu128
#   CUDA_SOURCE       where the toolkit comes from:
#                     nvidia-apt (default) NVIDIA's Debian repository CUDA_APT_REPO, package
#                                 cuda-toolkit-$CUDA_APT_VERSION (default 13-0)
#                     pypi        NVIDIA's toolkit wheels from the same pip index
#                                 (CUDA_PYPI_PACKAGES: nvcc, NVVM, the headers), beside the CUDA
#                                 libraries the LibTorch wheel brings (nvidia/cu13)
#                     DIR         a toolkit folder already in the build
#   CA_BUNDLE         a PEM file of the certificate authorities pip trusts instead of its own (a
#                     network whose TLS proxy has its own CA; scripts/build_image.sh passes this
#                     machine's bundle); default: pip's
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: setup_cuda_libtorch.sh PREFIX (settings: see the script)" >&2; exit 2; }
prefix=$1
torch_version=${TORCH_VERSION:-2.11.0}
index_url=${TORCH_INDEX_URL:-https://pypi.org/simple}
cuda_source=${CUDA_SOURCE:-nvidia-apt}
cuda_apt_repo=${CUDA_APT_REPO:-https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64}
cuda_apt_version=${CUDA_APT_VERSION:-13-0}
# The toolkit wheels matching the CUDA 13.0 libraries of torch 2.11.0's wheel.
cuda_pypi_packages=${CUDA_PYPI_PACKAGES:-nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-cuda-cccl==13.0.85 nvidia-cuda-profiler-api==13.0.85}
export DEBIAN_FRONTEND=noninteractive
say() { echo "setup_cuda_libtorch: $*" >&2; }

apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl python3-pip >/dev/null

extra=()
if [ "$cuda_source" = pypi ]; then
  read -r -a extra <<<"$cuda_pypi_packages"
fi
# --target: a plain folder, outside Debian's (externally managed) Python.
say "torch==$torch_version ${extra[*]} from $index_url"
cert=()
if [ -n "${CA_BUNDLE:-}" ]; then cert=(--cert "$CA_BUNDLE"); fi
pip3 install -q --disable-pip-version-check "${cert[@]}" --target "$prefix/site" \
  --index-url "$index_url" "torch==$torch_version" "${extra[@]}"
# pip's LibTorch ships old Protobuf headers (for its ONNX code); they would shadow Debian's
# headers, which the server's generated code needs. LibTorch's C++ API does not include them.
rm -rf "$prefix/site/torch/include/google"

case "$cuda_source" in
  nvidia-apt)
    curl -fsSL -o /tmp/cuda-keyring.deb "$cuda_apt_repo/cuda-keyring_1.1-1_all.deb"
    dpkg -i /tmp/cuda-keyring.deb >/dev/null && rm /tmp/cuda-keyring.deb
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "cuda-toolkit-$cuda_apt_version" >/dev/null
    ;;
  pypi)
    # CUDA 13's wheels share one folder, nvidia/cu13 (bin/nvcc, nvvm/, include/, lib/): a toolkit
    # root as CMake's FindCUDAToolkit expects it, once lib64/ and the unversioned library names
    # (libcudart.so, ...) that find_library looks for are there.
    root=$(dirname "$(find "$prefix/site/nvidia" -path '*/bin/nvcc' | head -n1)")/..
    root=$(realpath "$root")
    [ -x "$root/bin/nvcc" ] || { say "no nvcc among the wheels"; exit 1; }
    [ -e "$root/lib64" ] || ln -s lib "$root/lib64"
    for library in "$root"/lib/lib*.so.*; do
      base=${library%%.so.*}.so
      [ -e "$base" ] || ln -s "$(basename "$library")" "$base"
    done
    ln -sfn "$root" /usr/local/cuda
    ;;
  *)
    [ -x "$cuda_source/bin/nvcc" ] || { say "CUDA_SOURCE $cuda_source: no bin/nvcc there"; exit 1; }
    ln -sfn "$(realpath "$cuda_source")" /usr/local/cuda
    ;;
esac
say "CUDA toolkit: $(/usr/local/cuda/bin/nvcc --version | tail -n 2 | head -n 1)"
{
  echo "$prefix/site/torch/lib"
  find "$prefix/site/nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u
} >"$prefix/ld.so.conf"
say "LibTorch $torch_version in $prefix/site/torch; libraries listed in $prefix/ld.so.conf"
