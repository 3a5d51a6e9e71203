#!/bin/bash
# Bad input to `itaclip segment` exits non-zero with one clear line on stderr, and writes nothing.
#   usage: segment_command_errors.sh ITACLIP CHECKPOINT WORKDIR
set -uo pipefail
itaclip=$1 checkpoint=$2 work=$3
shared=${ITACLIP_SHARED_DIR:?}
mkdir -p "$work"
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
classes=$shared/reference/itaclip/cls_voc21.txt
image=$shared/data/voc-samples/0.jpg
failures=0

# expect_failure NAME EXPECTED_SUBSTRING ARGS...
expect_failure() {
  local name=$1 expected=$2
  shift 2
  rm -f "$work/out.png"
  local err
  err=$("$itaclip" segment --quiet --out "$work/out.png" "$@" 2>&1 >/dev/null)
  local rc=$?
  local lines
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ $rc -eq 0 ] || [ "$lines" -ne 1 ] || [[ "$err" != *"$expected"* ]] || [ -e "$work/out.png" ]; then
    echo "FAIL $name: rc=$rc lines=$lines stderr: $err"
    failures=$((failures + 1))
  else
    echo "ok   $name: $err"
  fi
}

printf 'not an image' > "$work/bad.jpg"
head -c 1000 "$checkpoint" > "$work/truncated.safetensors"
expect_failure missing_model "no-such.safetensors" --model "$work/no-such.safetensors" --bpe "$bpe" \
  --classes "$classes" --image "$image"
expect_failure truncated_model "truncated" --model "$work/truncated.safetensors" --bpe "$bpe" \
  --classes "$classes" --image "$image"
expect_failure missing_image "no such file" --model "$checkpoint" --bpe "$bpe" \
  --classes "$classes" --image "$work/nothing.jpg"
expect_failure bad_image "not an image format" --model "$checkpoint" --bpe "$bpe" --classes "$classes" \
  --image "$work/bad.jpg"
expect_failure unknown_preset "no_such_preset" --model "$checkpoint" --bpe "$bpe" \
  --classes "$classes" --image "$image" --preset no_such_preset
expect_failure bad_override "no_such_param" --model "$checkpoint" --bpe "$bpe" --classes "$classes" \
  --image "$image" --set no_such_param=1
expect_failure missing_classes "no-classes.txt" --model "$checkpoint" --bpe "$bpe" \
  --classes "$work/no-classes.txt" --image "$image"
expect_failure missing_flag "--model is required" --bpe "$bpe" --classes "$classes" --image "$image"
expect_failure bad_device "unknown device" --model "$checkpoint" --bpe "$bpe" --classes "$classes" \
  --image "$image" --device tpu

if [ $failures -ne 0 ]; then
  echo "$failures error case(s) failed"
  exit 1
fi
