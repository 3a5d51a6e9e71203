#!/bin/bash
# Measures itaclip-server end to end, the way a client sees it. Starts the server on a checkpoint,
# registers each preset's vocabulary (the time is the server's own, read from its "rpc" log line),
# runs `itaclip loadgen` per preset at concurrency 1 and at CONCURRENCY, and drains the server.
# The image is sent as raw BGR pixels (--raw_image_size), so neither side needs image codecs: it
# also runs with a -DITACLIP_IMAGE_CODECS=OFF build (the GPU machine).
#
#   usage: scripts/server_benchmark.sh BUILD_DIR CHECKPOINT DEVICE RAW_IMAGE WIDTHxHEIGHT \
#              DESCRIPTIONS_DIR BPE_FILE [PRESETS] [REQUESTS] [CONCURRENCY] [SERVER_FLAG...]
#   RAW_IMAGE: WIDTH*HEIGHT*3 bytes of BGR pixels (see README, "Benchmark").
#   DESCRIPTIONS_DIR: holds PRESET_definitions.txt or PRESET_synonyms.txt.
#   PRESETS: comma-separated (default voc21,coco_stuff); REQUESTS per run (default 20);
#   CONCURRENCY of the second run (default 8); further arguments go to itaclip-server.
set -euo pipefail
build=${1:?BUILD_DIR}
checkpoint=${2:?CHECKPOINT}
device=${3:?DEVICE}
raw_image=${4:?RAW_IMAGE}
size=${5:?WIDTHxHEIGHT}
descriptions=${6:?DESCRIPTIONS_DIR}
bpe=${7:?BPE_FILE}
presets=${8:-voc21,coco_stuff}
requests=${9:-20}
concurrency=${10:-8}
shift $(( $# < 10 ? $# : 10 ))
cd "$(dirname "$0")/.."

work=$(mktemp -d)
log=$work/server.log
"$build/server/itaclip-server" --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" \
  --model_device "$device" --listen 127.0.0.1:0 --metrics_listen none --http_listen none --store_dir "$work/store" \
  "$@" 2>"$log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 1500); do
  grep -q '"event":"serving"' "$log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "the server did not start" >&2; exit 1; }
  sleep 0.2
done
grep -q '"event":"serving"' "$log" || { tail "$log" >&2; echo "the server did not start" >&2; exit 1; }
port=$(grep '"event":"serving"' "$log" | grep -o '"port":[0-9]*' | head -n1 | cut -d: -f2)
server=127.0.0.1:$port
grep -E '"event":"(model_loaded|warmup[a-z_]*)"' "$log" || true

client=("$build/client/itaclip" --server "$server" --timeout_s 600)
for preset in ${presets//,/ }; do
  aux=$descriptions/${preset}_definitions.txt
  [ -f "$aux" ] || aux=$descriptions/${preset}_synonyms.txt
  background=()
  case $preset in voc21 | context60 | coco_object) background=(--background_first) ;; esac
  vocabulary=$("${client[@]}" register --display_name "$preset" \
    --classes "configs/classes/$preset.txt" --descriptions "$aux" "${background[@]}")
  register_ms=$(grep '"method":"RegisterClasses"' "$log" | tail -n1 | grep -o '"ms":[0-9.]*' |
    cut -d: -f2)
  echo "REGISTER preset=$preset vocabulary=$vocabulary server_ms=$register_ms"
  for c in 1 "$concurrency"; do
    echo "LOADGEN preset=$preset image=$size concurrency=$c requests=$requests"
    "${client[@]}" loadgen --vocabulary "$vocabulary" --preset "$preset" --image "$raw_image" \
      --raw_image_size "$size" --raw_labels --concurrency "$c" --requests "$requests"
  done
done

kill -TERM "$server_pid"
wait "$server_pid"
trap 'rm -rf "$work"' EXIT
grep -o '"event":"stopped"[^}]*' "$log"
