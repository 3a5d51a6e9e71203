#!/bin/bash
# Segments one image with `itaclip segment` and with the independent Python reference, then
# compares the class scores (max |difference|) and the labels (share of equal pixels).
#   usage: compare_with_reference.sh ITACLIP PRESET IMAGE CROP(WxH|0x0) DESCRIPTIONS CHECKPOINT WORKDIR
#              [--subset CLASSES:NAMES] [--set KEY=VALUE]... [--text-context 77|eot]
#              [--max-abs 1e-3] [--min-agree 0.995]
# The classes are the preset's shared cls_<preset>.txt, DESCRIPTIONS a file of
# shared/reference/itaclip/llama_generated_texts. --subset keeps the first CLASSES classes (and
# their descriptions) with at most NAMES names on the first line: a small vocabulary for a run at
# ViT-B/16's size. --set goes to both sides (short_side, stride). --text-context eot lets the
# reference's text tower stop at the last end-of-text token (exact; for runs at ViT-B/16's size).
set -euo pipefail
itaclip=$1 preset=$2 image=$3 crop=$4 descriptions=$5 checkpoint=$6 work=$7
shift 7
shared=${ITACLIP_SHARED_DIR:?} source=${ITACLIP_SOURCE_DIR:?}
python=${ITACLIP_PYTHON:?}
subset= max_abs=1e-3 min_agree=0.995 text_context=77
itaclip_sets= reference_sets=()
while [ $# -gt 0 ]; do
  case $1 in
    --subset) subset=$2 ;;
    --text-context) text_context=$2 ;;
    # itaclip takes one comma-separated --set (a repeated flag would replace the earlier one).
    --set) itaclip_sets=${itaclip_sets:+$itaclip_sets,}$2 reference_sets+=(--set "$2") ;;
    --max-abs) max_abs=$2 ;;
    --min-agree) min_agree=$2 ;;
    *) echo "compare_with_reference.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
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
if [ -n "$subset" ]; then
  # Background presets have no description line for class 0 (spec §3.3).
  case $preset in voc21|context60|coco_object) background=1 ;; *) background=0 ;; esac
  "$python" - "$classes" "$desc" "${subset%%:*}" "${subset##*:}" "$background" \
      "$work/classes.txt" "$work/descriptions.txt" <<'PY'
import sys
classes, descriptions, n, names, background, out_classes, out_descriptions = sys.argv[1:]
n, names, background = int(n), int(names), int(background)
lines = open(classes, encoding="utf-8").read().split("\n")[:n]
lines[0] = ", ".join(lines[0].split(", ")[:names])
open(out_classes, "w", encoding="utf-8").write("\n".join(lines))
kept = open(descriptions, encoding="utf-8").readlines()[:n - background]
open(out_descriptions, "w", encoding="utf-8").write("".join(kept).rstrip("\n"))
PY
  classes=$work/classes.txt desc=$work/descriptions.txt
fi
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz

"$itaclip" segment --model "$checkpoint" --bpe "$bpe" --classes "$classes" --descriptions "$desc" \
  --preset "$preset" ${itaclip_sets:+--set "$itaclip_sets"} --image "$input" \
  --out "$work/labels.png" --scores "$work/scores.npy" \
  --overlay "$work/overlay.png" --quiet --threads 1
"$python" "$source/tests/reference/itaclip_reference.py" --threads 1 segment --model "$checkpoint" \
  --bpe "$bpe" --classes "$classes" --descriptions "$desc" \
  --templates "$shared/reference/itaclip/imagenet_templates.txt" --preset "$preset" \
  --text-context "$text_context" \
  ${reference_sets[@]+"${reference_sets[@]}"} --image "$input" \
  --out-scores "$work/ref_scores.npy" --out-labels "$work/ref_labels.png"
"$python" "$source/tests/reference/compare_outputs.py" --ref-scores "$work/ref_scores.npy" \
  --ref-labels "$work/ref_labels.png" --scores "$work/scores.npy" --labels "$work/labels.png" \
  --max-abs "$max_abs" --min-agree "$min_agree"
