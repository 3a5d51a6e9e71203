#!/bin/bash
# `itaclip eval` end to end over ../shared/data/voc-samples with a tiny random checkpoint (its mIoU
# is meaningless; this checks the machinery, not accuracy):
#  - in-process, --limit 4, then all 14 images resuming from the cache (only 10 segmented), then a
#    rerun answered entirely from the cache: fast, and the same JSON and table byte for byte;
#  - the JSON is well-formed, and an independent numpy implementation of spec §7 on the saved
#    predictions gives exactly the same counts and mIoU;
#  - a changed setting does not reuse the cached counts; bad input fails with one line;
#  - through itaclip-server (when its binary is given): the same counts as in-process.
#   usage: eval_command.sh ITACLIP CHECKPOINT WORKDIR [ITACLIP_SERVER]
set -uo pipefail
itaclip=$1 checkpoint=$2 work=$3 server_binary=${4:-}
shared=${ITACLIP_SHARED_DIR:?} source=${ITACLIP_SOURCE_DIR:?}
python=${ITACLIP_PYTHON:?}
data=$shared/data/voc-samples
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
descriptions=$shared/reference/itaclip/llama_generated_texts/voc21_definitions.txt
rm -rf "$work" && mkdir -p "$work"
cache=$work/cache predictions=$work/predictions
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

common=(--preset voc21 --layout voc_samples --data "$data" --descriptions "$descriptions"
        --threads 1)
local_eval() { "$itaclip" eval --model "$checkpoint" --bpe "$bpe" "${common[@]}" "$@"; }
json_field() { "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
now() { date +%s.%N; }

# 1. The first 4 images.
if local_eval --limit 4 --cache_dir "$cache" --save_predictions "$predictions" \
     --json "$work/first4.json" > "$work/first4.txt" 2> "$work/first4.err"; then
  images=$(json_field "$work/first4.json" images)
  records=$(find "$cache" -name '*.counts' | wc -l)
  saved=$(find "$predictions" -name '*.png' | wc -l)
  if [ "$images" = 4 ] && [ "$records" = 4 ] && [ "$saved" = 4 ] && grep -q '^mIoU: ' "$work/first4.txt"; then
    ok "--limit 4: 4 images evaluated, cached and saved; $(grep '^mIoU' "$work/first4.txt")"
  else
    fail "--limit 4: images=$images cached=$records saved=$saved"; cat "$work/first4.txt"
  fi
else
  fail "--limit 4 exited non-zero: $(tail -3 "$work/first4.err")"
fi

# 2. All 14, resuming: only the 10 new images are segmented.
start=$(now)
if local_eval --cache_dir "$cache" --save_predictions "$predictions" --json "$work/all.json" \
     > "$work/all.txt" 2> "$work/all.err"; then
  full_seconds=$("$python" -c "print(round($(now) - $start, 1))")
  if grep -q 'segmented 10 images, 4 from the cache' "$work/all.err" &&
     [ "$(json_field "$work/all.json" images)" = 14 ]; then
    ok "all 14 images, resumed: 10 segmented, 4 from the cache (${full_seconds} s)"
  else
    fail "resume: $(grep segmented "$work/all.err")"
  fi
  grep -q 'ETA' "$work/all.err" || fail "no progress line with an ETA on stderr"
else
  fail "the full run exited non-zero: $(tail -3 "$work/all.err")"
fi

# 3. Rerun from the cache: nothing segmented, fast, identical JSON and table.
start=$(now)
if local_eval --cache_dir "$cache" --json "$work/rerun.json" > "$work/rerun.txt" 2> "$work/rerun.err"; then
  seconds=$("$python" -c "print(round($(now) - $start, 1))")
  if grep -q 'segmented 0 images, 14 from the cache' "$work/rerun.err" &&
     cmp -s "$work/all.json" "$work/rerun.json" && cmp -s "$work/all.txt" "$work/rerun.txt" &&
     "$python" -c "import sys; sys.exit(0 if $seconds < 15 else 1)"; then
    ok "rerun from the cache: identical JSON and table in ${seconds} s"
  else
    fail "rerun: ${seconds} s, $(grep segmented "$work/rerun.err"), JSON/table identical: $(cmp "$work/all.json" "$work/rerun.json" && cmp "$work/all.txt" "$work/rerun.txt" && echo yes)"
  fi
else
  fail "the rerun exited non-zero: $(tail -3 "$work/rerun.err")"
fi

# 4. The metric against an independent numpy implementation of spec §7.
ids=$("$python" -c 'import json,sys,os
d=sys.argv[1]
print(",".join(sorted(f[:-4] for f in os.listdir(d) if f.endswith(".jpg"))))' "$data")
if "$python" "$source/tests/e2e/eval_miou_reference.py" --json "$work/all.json" \
     --predictions "$predictions" --ground-truth "$data" --gt-suffix .mask.png --ids "$ids" \
     > "$work/reference.txt" 2>&1; then
  ok "$(cat "$work/reference.txt")"
else
  fail "the independent metric disagrees: $(cat "$work/reference.txt")"
fi

# 5. A changed setting gets its own cache entry.
if local_eval --limit 1 --cache_dir "$cache" --set prob_thd=0.2 --json "$work/changed.json" \
     > /dev/null 2> "$work/changed.err"; then
  if grep -q '0 of 1 images are in the cache' "$work/changed.err" &&
     [ "$(json_field "$work/changed.json" settings_key)" != "$(json_field "$work/all.json" settings_key)" ]; then
    ok "--set prob_thd=0.2 does not reuse the cached counts"
  else
    fail "a changed setting reused the cache: $(grep 'in the cache' "$work/changed.err")"
  fi
else
  fail "the changed-settings run exited non-zero: $(tail -3 "$work/changed.err")"
fi

# 6. Bad input: non-zero exit, one line naming the problem.
expect_failure() {
  local name=$1 expected=$2
  shift 2
  local err rc lines
  err=$("$itaclip" eval --quiet "$@" 2>&1 >/dev/null)
  rc=$?
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ $rc -eq 0 ] || [ "$lines" -ne 1 ] || [[ "$err" != *"$expected"* ]]; then
    fail "$name: rc=$rc lines=$lines stderr: $err"
  else
    ok "$name: $err"
  fi
}
expect_failure missing_data "no folder" --model "$checkpoint" --bpe "$bpe" --preset voc21 \
  --data "$work/no-such-dataset"
expect_failure wrong_layout "no folder $data/JPEGImages" --model "$checkpoint" --bpe "$bpe" \
  --preset voc21 --data "$data"
expect_failure unknown_layout "unknown dataset layout" --model "$checkpoint" --bpe "$bpe" \
  --preset voc21 --layout ade20k --data "$data"
expect_failure no_preset "--preset is required" --model "$checkpoint" --data "$data"
expect_failure negative_limit "--limit must be" --model "$checkpoint" --bpe "$bpe" --preset voc21 \
  --layout voc_samples --data "$data" --limit -1
printf 'background\n' > "$work/one_class.txt"
expect_failure vocabulary_too_small "the ground truth has label" --model "$checkpoint" --bpe "$bpe" \
  --preset voc21 --layout voc_samples --data "$data" --limit 1 --threads 1 \
  --classes "$work/one_class.txt"

# 7. Through itaclip-server: the same counts as in-process for the first 2 images.
if [ -n "$server_binary" ]; then
  "$server_binary" --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
    --metrics_listen none --http_listen none --skip_warmup true --cpu_threads 1 2> "$work/server.log" &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null' EXIT
  port=""
  for _ in $(seq 1 600); do
    port=$(grep '"event":"serving"' "$work/server.log" | sed -n 's/.*"port":\([0-9]*\).*/\1/p' | head -1)
    [ -n "$port" ] && break
    kill -0 $server_pid 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    fail "itaclip-server did not start: $(tail -3 "$work/server.log")"
  elif ! "$itaclip" eval --server "127.0.0.1:$port" --timeout_s 600 "${common[@]}" --limit 2 \
         --concurrency 2 --cache_dir "$cache" --json "$work/server.json" > "$work/server.txt" \
         2> "$work/server.err"; then
    fail "eval --server exited non-zero: $(tail -3 "$work/server.err")"
  elif ! local_eval --limit 2 --cache_dir "$cache" --json "$work/local2.json" > /dev/null 2>&1; then
    fail "the in-process run of the first 2 images failed"
  elif "$python" - "$work/server.json" "$work/local2.json" > "$work/server_compare.txt" <<'PY'; then
import json, sys
server, local = (json.load(open(p)) for p in sys.argv[1:3])
keys = ('intersect', 'union', 'pred', 'label')
differ = [(s['index'], k) for s, l in zip(server['classes'], local['classes']) for k in keys
          if s[k] != l[k]]
if differ or server['mIoU'] != local['mIoU'] or server['mode'] != 'server':
    print('server and in-process counts differ at', differ[:5], server['mIoU'], local['mIoU'])
    sys.exit(1)
print('server mode: the same counts as in-process on %d images (mIoU %.4f)'
      % (server['images'], server['mIoU']))
PY
    ok "$(cat "$work/server_compare.txt")"
  else
    fail "$(cat "$work/server_compare.txt")"
  fi
  # The same vocabulary registered by hand and named by id: the same cache key, so nothing is
  # segmented again and the JSON is identical.
  if [ -n "$port" ]; then
    id=$("$itaclip" register --server "127.0.0.1:$port" --quiet --background_first \
           --classes "$source/configs/classes/voc21.txt" --descriptions "$descriptions")
    if "$itaclip" eval --server "127.0.0.1:$port" --vocabulary "$id" --preset voc21 \
         --layout voc_samples --data "$data" --limit 2 --cache_dir "$cache" \
         --json "$work/server_by_id.json" > /dev/null 2> "$work/server_by_id.err" &&
       grep -q 'segmented 0 images, 2 from the cache' "$work/server_by_id.err" &&
       cmp -s "$work/server.json" "$work/server_by_id.json"; then
      ok "--vocabulary $id (registered by hand): answered from the same cache, identical JSON"
    else
      fail "--vocabulary ID: $(tail -2 "$work/server_by_id.err")"
    fi
  fi
  kill $server_pid 2>/dev/null
  wait $server_pid 2>/dev/null
  trap - EXIT
fi

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all eval checks passed"
