#!/bin/bash
# Run on the GPU machine (not in CI): one pass that builds everything and measures what issues 5
# and 12 ask for, writing the logs under $OUT.
#   1. builds core, server, client, bench and the unit tests against the machine's pip LibTorch
#      with CUDA, without image codecs (-DITACLIP_IMAGE_CODECS=OFF: OpenCV's imgcodecs cannot be
#      installed there), and runs the unit tests (core suites, CUDA against CPU included);
#   2. the in-process benchmark: VOC21 and COCO-Stuff at 640x480 and 513x513, text side, PAMR's two
#      propagations, ops per image;
#   3. the real server on a full-size random ViT-B/16 checkpoint: vocabulary registration times and
#      loadgen at concurrency 1 and 8 (scripts/server_benchmark.sh);
#   4. CUDA fp16 against CPU fp32 with the same weights (label agreement), then the materialised
#      self-self attention for comparison (most important first: a run cut short keeps the rest).
# Expects .debs/ (the carried Debian packages, see ../shared/device/README.md, plus
# libhiredis-dev, libhiredis0.14, libminizip-dev, libminizip1, and for the server's HTTP endpoints
# libcpp-httplib-dev, libcpp-httplib0.11, libbrotli-dev and libbrotli1) and .devdata/ (the BPE file, the description files, a copy of
# shared/ in .devdata/shared for the tests, and voc0_640x480.bgr: voc-samples/0.jpg resized to
# 640x480 as raw BGR bytes) beside the checkout. Each phase has its own time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/itaclip-device}
mkdir -p "$out"
source .debs/use-debs.sh .debs >/dev/null 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
start=$(date +%s)
phase() { echo "== [$(( $(date +%s) - start )) s] $*"; }

phase configure
# The whole service without codecs; if that cannot even be configured (a carried package missing),
# core alone, so that the in-process measurements still happen.
build=build-gpu
if ! cmake -S . -B "$build" -DCMAKE_PREFIX_PATH="$CMAKE_PREFIX_PATH" -DCMAKE_BUILD_TYPE=Release \
    -DITACLIP_IMAGE_CODECS=OFF -DITACLIP_BUILD_TESTS=ON -DITACLIP_SHARED_DIR="$PWD/.devdata/shared" \
    -DCMAKE_CUDA_ARCHITECTURES=90 >"$out/cmake.log" 2>&1; then
  tail -30 "$out/cmake.log"
  echo "the service could not be configured: core only"
  build=build-gpu-core
  cmake -S . -B "$build" -DCMAKE_PREFIX_PATH="$CMAKE_PREFIX_PATH" -DCMAKE_BUILD_TYPE=Release \
    -DITACLIP_CORE_ONLY=ON -DITACLIP_BUILD_TESTS=ON -DITACLIP_SHARED_DIR="$PWD/.devdata/shared" \
    -DCMAKE_CUDA_ARCHITECTURES=90 >"$out/cmake-core.log" 2>&1 || { tail -40 "$out/cmake-core.log"; exit 1; }
fi
grep -hE "itaclip:" "$out"/cmake*.log

phase build core, benchmark and core tests first
timeout 300 cmake --build "$build" -j16 --target segment_benchmark make_random_checkpoint \
  common_tests text_tests checkpoint_tests clip_tests pipeline_tests evaluation_tests \
  >"$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
phase build the rest
timeout 300 cmake --build "$build" -j16 >"$out/build-rest.log" 2>&1 ||
  { echo "the rest did not build:"; grep -E "error|Error" "$out/build-rest.log" | head -30; }

phase unit tests
(cd "$build" && timeout 180 ctest -j4 --output-on-failure >"$out/ctest.log" 2>&1)
grep -E "tests passed|Failed|Not Run|SEGFAULT|Failure|CudaAgrees|CudaMarkers" "$out/ctest.log" | head -30
# A crashing suite prints its stack (tests/crash_backtrace.cc).
grep -A30 "fatal signal" "$out/ctest.log" | (c++filt 2>/dev/null || cat) | cut -c1-200 | head -70

bench=$build/bench/segment_benchmark
common=(--device cuda --bpe .devdata/bpe_simple_vocab_16e6.txt.gz --descriptions .devdata
        --batch_memory_mb 24576 --max_crops_per_batch 256)
phase benchmark matrix
timeout 300 "$bench" "${common[@]}" --preset voc21,coco_stuff --image_size 640x480,513x513 \
  --iterations 5 2>&1 | tee "$out/bench.log" | grep -E "^(TEXT|RESULT|PAMR)|^\|"
phase server
if [ -x "$build/server/itaclip-server" ]; then
  checkpoint=$out/vit-b-16-random-f16.safetensors
  "$build/tools/make_random_checkpoint" --out "$checkpoint" --shape vit-b-16 --dtype f16 --seed 1
  timeout 240 scripts/server_benchmark.sh "$build" "$checkpoint" cuda .devdata/voc0_640x480.bgr \
    640x480 .devdata .devdata/bpe_simple_vocab_16e6.txt.gz voc21,coco_stuff 40 8 \
    --workers 4 --max_batch_crops 64 --batch_memory_bytes 8589934592 2>&1 | tee "$out/server.log" |
    grep -E "REGISTER|LOADGEN|throughput|latency|server_ms|stopped"
  rm -f "$checkpoint"
else
  echo "no itaclip-server was built: skipped"
fi
phase CUDA fp16 against CPU fp32
timeout 240 "$bench" "${common[@]}" --preset voc21,coco_stuff --image_size 640x480 --iterations 1 \
  --pamr_compare=false --count_ops=false --compare_device cpu 2>&1 | tee "$out/compare.log" |
  grep -E "^COMPARE"
phase materialised self-self attention
timeout 120 "$bench" "${common[@]}" --preset coco_stuff --image_size 640x480 --iterations 3 \
  --attention materialized --pamr_compare=false 2>&1 | tee "$out/bench_materialized.log" |
  grep -E "^RESULT"
phase done
