#!/bin/bash
# The CUDA image's share of a pip LibTorch (scripts/setup_cuda_libtorch.sh PREFIX): copies the
# shared libraries of PREFIX/site/torch/lib and PREFIX/site/nvidia/*/lib into STAGE at the same
# paths (their RPATHs point at each other), with STAGE/etc/ld.so.conf.d/itaclip-torch.conf naming
# those folders. Left out, because the programs never load them: headers, static libraries, the
# toolkit's programs (nvcc, NVVM), CMake files, Python code and these libraries:
#   libtorch_python        the Python bindings
#   libcufftw              cuFFT's FFTW-compatible API (for FFTW programs)
#   libnvblas              the BLAS interposer that offloads a CPU program's BLAS calls
#   libcusolverMg          cuSOLVER's multi-GPU API
#   libnvperf_*, libpcsamplingutil, libcheckpoint   CUPTI's profiler and checkpoint tools
#   libcufile_rdma         GPUDirect Storage over RDMA
# (the rest, cuDNN's engine libraries and NVRTC's builtins included, is loaded by LibTorch, some of
# it only when an operation first needs it).
#   usage: stage-cuda-libraries.sh PREFIX STAGE
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: stage-cuda-libraries.sh PREFIX STAGE" >&2; exit 2; }
prefix=$1 stage=$2
unused='^lib(torch_python|cufftw|nvblas|cusolverMg|nvperf_.*|pcsamplingutil|checkpoint|cufile_rdma)\.so'
cd "$prefix/site"
mapfile -t libraries < <(find torch/lib nvidia -path '*/lib/*' -name 'lib*.so*' \
                           \( -type f -o -type l \) | grep -vE "/${unused#^}" | sort)
mkdir -p "$stage$prefix/site"
cp -a --parents "${libraries[@]}" "$stage$prefix/site/"
mkdir -p "$stage/etc/ld.so.conf.d"
printf '%s\n' "${libraries[@]}" | xargs -n1 dirname | sort -u | sed "s|^|$prefix/site/|" \
  >"$stage/etc/ld.so.conf.d/itaclip-torch.conf"
echo "stage-cuda-libraries: ${#libraries[@]} libraries, $(du -sh "$stage$prefix" | cut -f1)" >&2
