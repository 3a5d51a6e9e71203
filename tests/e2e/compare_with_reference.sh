#!/bin/bash
# Segments one image with `itaclip segment` and with the independent Python reference, then
# compares: max |score difference| < 1e-3 and at least 99.5% of the label pixels equal.
#   usage: compare_with_reference.sh ITACLIP PRESET IMAGE CROP(WxH|0x0) DESCRIPTIONS CHECKPOINT WORKDIR
set -euo pipefail
itaclip=$1 preset=$2 image=$3 crop=$4 descriptions=$5 checkpoint=$6 work=$7
shared=${ITACLIP_SHARED_DIR:?} source=${ITACLIP_SOURCE_DIR:?}
python=/usr/bin/python3
mkdir -p "$work"
input=$image
if [ "$crop" != "0x0" ]; then
  input=$work/input.png
  "$python" - "$image" "$crop" "$input" <<'PY'
import sys, cv2
image = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
w, h = (int(v) for v in sys.argv[2].split("x"))
cv2.imwrite(sys.argv[3], image[:h, :w])
PY
fi
classes=$shared/reference/itaclip/cls_$preset.txt
desc=$shared/reference/itaclip/llama_generated_texts/$descriptions
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz

"$itaclip" segment --model "$checkpoint" --bpe "$bpe" --classes "$classes" --descriptions "$desc" \
  --preset "$preset" --image "$input" --out "$work/labels.png" --scores "$work/scores.npy" \
  --overlay "$work/overlay.png" --quiet --threads 1
"$python" "$source/tests/reference/itaclip_reference.py" segment --model "$checkpoint" --bpe "$bpe" \
  --classes "$classes" --descriptions "$desc" \
  --templates "$shared/reference/itaclip/imagenet_templates.txt" --preset "$preset" \
  --image "$input" --out-scores "$work/ref_scores.npy" --out-labels "$work/ref_labels.png"
"$python" "$source/tests/reference/compare_outputs.py" --ref-scores "$work/ref_scores.npy" \
  --ref-labels "$work/ref_labels.png" --scores "$work/scores.npy" --labels "$work/labels.png" \
  --max-abs 1e-3 --min-agree 0.995
