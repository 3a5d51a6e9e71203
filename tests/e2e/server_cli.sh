#!/bin/bash
# The `itaclip` command against the real itaclip-server: register (class file with descriptions,
# inline names), list, segment --server (labels, overlay, scores checked with OpenCV/NumPy), health,
# delete and then NOT_FOUND, loadgen.
#   usage: server_cli.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR
set -uo pipefail
server=$1 client=$2 checkpoint=$3 work=$4
shared=${ITACLIP_SHARED_DIR:?}
python=${ITACLIP_PYTHON:?}
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
classes=$shared/reference/itaclip/cls_voc21.txt
descriptions=$shared/reference/itaclip/llama_generated_texts/voc21_definitions.txt
image=$shared/data/voc-samples/0.jpg
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=server_test_lib.sh disable=SC2034  # (variables the library reads)
source "$(dirname "$0")/server_test_lib.sh"
# One 224 crop and no PAMR: seconds for the whole test on the tiny model.
fast=short_side=224,pamr_steps=0

start_server s --skip_warmup true
addr=127.0.0.1:$s_port
echo "server on $addr"

# The counts the class file implies: one class a non-empty line, one query a ", "-separated name.
expected_classes=$(grep -c . "$classes")
expected_queries=$(awk -F', ' 'NF > 0 {n += NF} END {print n}' "$classes")

# --- register -------------------------------------------------------------------------------
id=$("$client" register --server "$addr" --classes "$classes" --descriptions "$descriptions" \
       --background_first --display_name voc 2>"$work/register.err")
check "register from a class file with descriptions" $? "$(cat "$work/register.err")"
[[ "$id" =~ ^voc-[0-9a-f]{32}$ ]]
check "register prints the id alone ($id)" $? "$id"
grep -q "$expected_classes classes, $expected_queries queries" "$work/register.err"
check "register reports $expected_classes classes, $expected_queries queries" $? \
  "$(cat "$work/register.err")"
id_again=$("$client" register --server "$addr" --classes "$classes" \
             --descriptions "$descriptions" --background_first 2>/dev/null)
[ "$id_again" = "$id" ]
check "same content, same id" $? "$id_again"

inline_id=$("$client" register --server "$addr" --class_names "background; person, man; car; dog" \
              --background_first 2>"$work/register_inline.err")
check "register --class_names" $? "$(cat "$work/register_inline.err")"
[[ "$inline_id" =~ ^voc-[0-9a-f]{32}$ ]] && [ "$inline_id" != "$id" ]
check "inline vocabulary gets its own id ($inline_id)" $? "$inline_id"

# --- list -----------------------------------------------------------------------------------
"$client" list --server "$addr" >"$work/list.tsv" 2>"$work/list.err"
check "list" $? "$(cat "$work/list.err")"
[ "$(head -1 "$work/list.tsv")" = "$(printf 'id\tdisplay_name\tclasses\tqueries\tresident')" ]
check "list header" $? "$(head -1 "$work/list.tsv")"
grep -qxF "$(printf '%s\tvoc\t%s\t%s\tyes' "$id" "$expected_classes" "$expected_queries")" \
  "$work/list.tsv"
check "list row of the class file vocabulary" $? "$(cat "$work/list.tsv")"
grep -qxF "$(printf '%s\t\t4\t5\tyes' "$inline_id")" "$work/list.tsv"
check "list row of the inline vocabulary" $? "$(cat "$work/list.tsv")"
[ "$(wc -l <"$work/list.tsv")" -eq 3 ]
check "list has the two vocabularies" $? "$(cat "$work/list.tsv")"
"$client" list --server "$addr" --vocabulary "$id" --definitions >"$work/definitions.txt" 2>&1
check "list --vocabulary --definitions" $? "$(cat "$work/definitions.txt")"
[ "$(grep -c $'^\t' "$work/definitions.txt")" -eq "$expected_classes" ]
check "one definition line per class" $? "$(cat "$work/definitions.txt")"
grep -q $'^\t1: aeroplane\t>= *a powered, fixed-wing aircraft' "$work/definitions.txt"
check "definitions keep the description" $? "$(grep aeroplane "$work/definitions.txt")"

# --- segment --------------------------------------------------------------------------------
"$client" segment --server "$addr" --image "$image" --vocabulary "$id" --set "$fast" \
  --out "$work/labels.png" --scores "$work/scores.npy" --overlay "$work/overlay.png" \
  2>"$work/segment.err"
check "segment --server" $? "$(cat "$work/segment.err")"
"$client" segment --server "$addr" --image "$image" --vocabulary "$id" --set "$fast" --raw_labels \
  --quiet --out "$work/labels_raw.png" 2>"$work/segment_raw.err"
check "segment --raw_labels" $? "$(cat "$work/segment_raw.err")"
"$client" segment --server "$addr" --image "$image" \
  --class_names "background; person, man; car; dog" --background_first --set "$fast" --quiet \
  --out "$work/labels_inline.png" 2>"$work/segment_inline.err"
check "segment --class_names" $? "$(cat "$work/segment_inline.err")"

# Files checked by an independent decoder. The stderr pixel counts must be the PNG's; the overlay is
# the image blended 50/50 with the PASCAL VOC palette colour of each label, legend to the right.
"$python" - "$image" "$work" "$expected_classes" "$classes" <<'EOF'
import re, sys
import cv2
import numpy as np
image_path, work, n, classes_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
image = cv2.imread(image_path)
h, w = image.shape[:2]
bad = []
labels = cv2.imread(work + "/labels.png", cv2.IMREAD_UNCHANGED)
if labels is None or labels.shape != (h, w) or labels.dtype != np.uint8:
    bad.append("labels.png: %s" % (None if labels is None else (labels.shape, labels.dtype)))
else:
    if labels.max() >= n:
        bad.append("label %d >= %d classes" % (labels.max(), n))
    names = [line.split(", ")[0].strip() for line in open(classes_path) if line.strip()]
    counts = np.bincount(labels.ravel(), minlength=n)
    printed = {}
    for line in open(work + "/segment.err"):
        m = re.match(r"\s+(\d+) (\S+)\s+(\d+) px", line)
        if m:
            printed[int(m.group(1))] = (m.group(2), int(m.group(3)))
    expected = {i: (names[i], int(counts[i])) for i in range(n) if counts[i] > 0}
    if printed != expected:
        bad.append("printed counts %s, PNG has %s" % (printed, expected))
    raw = cv2.imread(work + "/labels_raw.png", cv2.IMREAD_UNCHANGED)
    if raw is None or not np.array_equal(raw, labels):
        bad.append("--raw_labels PNG differs from the server's PNG")
    scores = np.load(work + "/scores.npy")
    if scores.dtype != np.float32 or scores.shape != (n, h, w):
        bad.append("scores.npy: %s %s" % (scores.dtype, scores.shape))
    elif not (scores.min() >= 0 and scores.sum(0).max() <= 1 + 1e-3):
        bad.append("scores are not probabilities: min %g, max sum %g" % (scores.min(),
                                                                       scores.sum(0).max()))
    overlay = cv2.imread(work + "/overlay.png", cv2.IMREAD_COLOR)
    if overlay is None or overlay.shape[0] < h or overlay.shape[1] <= w:
        bad.append("overlay: %s" % (None if overlay is None else overlay.shape))
    else:
        def voc_color(i):  # BGR, the bit-interleaved PASCAL VOC palette
            r = g = b = 0
            for j in range(8):
                r |= ((i >> 0) & 1) << (7 - j)
                g |= ((i >> 1) & 1) << (7 - j)
                b |= ((i >> 2) & 1) << (7 - j)
                i >>= 3
            return (b, g, r)
        palette = np.array([voc_color(i) for i in range(n)], np.float32)
        blend = 0.5 * image.astype(np.float32) + 0.5 * palette[labels]
        diff = np.abs(overlay[:h, :w].astype(np.float32) - blend).max()
        if diff > 1:
            bad.append("overlay is not the 50/50 blend (max difference %g)" % diff)
inline = cv2.imread(work + "/labels_inline.png", cv2.IMREAD_UNCHANGED)
if inline is None or inline.shape != (h, w) or inline.max() >= 4:
    bad.append("labels_inline.png: %s" % (None if inline is None else (inline.shape, inline.max())))
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
check "labels, raw labels, scores, overlay and printed counts" $? "see above"

# --- health ---------------------------------------------------------------------------------
out=$("$client" health --server "$addr" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = SERVING ]
check "health: SERVING, exit 0" $? "rc=$rc $out"
out=$("$client" health --server "$addr" --service itaclip.v1.SegmentationService 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = SERVING ]
check "health --service itaclip.v1.SegmentationService: SERVING" $? "rc=$rc $out"
out=$("$client" health --server "$addr" --service no.such.Service 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$out" == "itaclip: NOT_FOUND"* ]]
check "health --service unknown: NOT_FOUND, exit 1" $? "rc=$rc $out"

# --- loadgen --------------------------------------------------------------------------------
"$client" loadgen --server "$addr" --image "$image" --vocabulary "$inline_id" --set "$fast" \
  --concurrency 4 --requests 8 >"$work/loadgen.txt" 2>"$work/loadgen.err"
check "loadgen" $? "$(cat "$work/loadgen.err")"
grep -q '^requests: 8 in .* s (concurrency 4)$' "$work/loadgen.txt" &&
  grep -qx 'ok: 8' "$work/loadgen.txt" && grep -qx 'failed: 0' "$work/loadgen.txt"
check "loadgen: 8 requests, 8 ok" $? "$(cat "$work/loadgen.txt")"
# Nearest-rank percentiles are recorded values, so p50 <= p95 <= p99 <= max.
latency=$(grep '^latency_ms: ' "$work/loadgen.txt")
awk '{ exit !($2 == "p50" && $4 == "p95" && $6 == "p99" && $8 == "max" &&
              $3 > 0 && $3 <= $5 && $5 <= $7 && $7 <= $9) }' <<<"$latency"
check "loadgen: p50 <= p95 <= p99 <= max" $? "$latency"

# --- delete, then NOT_FOUND -------------------------------------------------------------------
"$client" delete --server "$addr" --vocabulary "$id" >"$work/delete.out" 2>&1
check "delete" $? "$(cat "$work/delete.out")"
"$client" list --server "$addr" >"$work/list_after.tsv" 2>&1
! grep -q "$id" "$work/list_after.tsv" && grep -q "$inline_id" "$work/list_after.tsv"
check "list after delete: only the other vocabulary" $? "$(cat "$work/list_after.tsv")"
err=$("$client" segment --server "$addr" --image "$image" --vocabulary "$id" --set "$fast" \
        --out "$work/deleted.png" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] &&
  [[ "$err" == "itaclip: NOT_FOUND: "*"$id"* ]] && [ ! -e "$work/deleted.png" ]
check "segment a deleted id: one NOT_FOUND line naming it, exit 1, no file" $? "rc=$rc $err"
err=$("$client" delete --server "$addr" --vocabulary "$id" 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == "itaclip: NOT_FOUND: "*"$id"* ]]
check "delete it again: NOT_FOUND, exit 1" $? "rc=$rc $err"

stop_server s
[ "$stop_status" -eq 0 ]
check "SIGTERM: exit 0" $? "status $stop_status"
[ "$failures" -eq 0 ] || cat "$work/s.log"
finish
