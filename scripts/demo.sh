#!/bin/bash
# The main job: builds the project and segments a sample VOC image with the offline command,
# writing out/labels.png, out/scores.npy and out/overlay.png.
#
# The official ViT-B/16 weights cannot be downloaded on these machines. Set ITACLIP_MODEL to a
# checkpoint you have (ViT-B-16.pt, or a safetensors file); otherwise a tiny random checkpoint is
# generated, which exercises every step of the method but gives meaningless labels.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${ITACLIP_SHARED_DIR:-$(cd .. && pwd)/shared}
image=${1:-$shared/data/voc-samples/0.jpg}
./scripts/build.sh
mkdir -p out
model=${ITACLIP_MODEL:-}
if [ -z "$model" ]; then
  model=out/tiny-random-clip.safetensors
  echo "ITACLIP_MODEL is not set and the official weights cannot be downloaded here:" \
       "using a tiny random checkpoint ($model); the labels are meaningless." >&2
  build/tools/make_random_checkpoint --out "$model" --shape tiny --dtype f16 --seed 1
fi
build/client/itaclip segment --model "$model" \
  --bpe "$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz" \
  --classes configs/classes/voc21.txt \
  --descriptions "$shared/reference/itaclip/llama_generated_texts/voc21_definitions.txt" \
  --preset voc21 --image "$image" \
  --out out/labels.png --scores out/scores.npy --overlay out/overlay.png
echo "wrote out/labels.png, out/scores.npy and out/overlay.png"
