#!/bin/bash
# Run on the GPU machine (not in CI): builds core/, tools/, bench/ and the unit tests against the
# machine's pip PyTorch with CUDA, runs the unit tests, and benchmarks the pipeline on CUDA.
# Expects .debs/ (the carried Debian packages, see ../shared/device/README.md) and .devdata/ (the
# BPE file and the description files, which are not part of the repository, and a copy of shared/
# in .devdata/shared for the tests) beside the checkout.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/itaclip-device}
mkdir -p "$out"
source .debs/use-debs.sh .debs >/dev/null 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
start=$(date +%s)
cmake -S . -B build-gpu -DCMAKE_PREFIX_PATH="$CMAKE_PREFIX_PATH" -DCMAKE_BUILD_TYPE=Release -DITACLIP_CORE_ONLY=ON -DITACLIP_BUILD_TESTS=ON \
  -DITACLIP_SHARED_DIR="$PWD/.devdata/shared" \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; exit 1; }
grep -E "itaclip:" "$out/cmake.log"
cmake --build build-gpu -j16 >"$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
echo "build: $(( $(date +%s) - start )) s"
(cd build-gpu && ctest -E e2e --output-on-failure >"$out/ctest.log" 2>&1)
grep -E "tests passed|Passed|Failed|SEGFAULT|Failure|SKIPPED|CudaAgrees|CudaLoad" "$out/ctest.log" | head -40
bench=build-gpu/bench/segment_benchmark
common=(--device cuda --bpe .devdata/bpe_simple_vocab_16e6.txt.gz --batch_memory_mb 24576
        --max_crops_per_batch 256 --iterations 5)
run() { echo "== $*"; timeout 300 "$bench" "${common[@]}" "$@" 2>&1 | tee -a "$out/bench.log"; }
run --preset voc21 --image_size 640x480 --descriptions .devdata/voc21_definitions.txt --compare_device cpu
run --preset voc21 --image_size 513x513 --descriptions .devdata/voc21_definitions.txt
run --preset coco_stuff --image_size 640x480 --descriptions .devdata/coco_stuff_definitions.txt \
  --compare_device cpu
echo "total: $(( $(date +%s) - start )) s"
