#!/bin/bash
# The main job: builds the project, starts itaclip-server, registers the VOC21 vocabulary through the
# `itaclip` client, segments a sample VOC image through the server and writes out/labels.png,
# out/overlay.png and out/scores.npy; then drains the server (SIGTERM).
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
  echo "demo: ITACLIP_MODEL is not set and the official ViT-B/16 weights cannot be downloaded here:" \
       "using a tiny random checkpoint ($model); every step of the method runs, but the labels" \
       "are meaningless." >&2
  build/tools/make_random_checkpoint --out "$model" --shape tiny --dtype f16 --seed 1
fi

# The server picks a free port (127.0.0.1:0) and logs it in its "serving" event.
log=out/server.log
build/server/itaclip-server --checkpoint "$model" \
  --bpe_vocabulary "$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz" \
  --listen 127.0.0.1:0 --metrics_listen 127.0.0.1:0 --http_listen 127.0.0.1:0 --store_dir out/vocabularies \
  2>"$log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
echo "demo: starting itaclip-server (log: $log)" >&2
for _ in $(seq 1 600); do
  grep -q '"event":"serving"' "$log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "demo: the server did not start" >&2; exit 1; }
  sleep 0.2
done
port=$(grep '"event":"serving"' "$log" | grep -o '"port":[0-9]*' | head -n1 | cut -d: -f2)
server=127.0.0.1:$port
build/client/itaclip health --server "$server"

vocabulary=$(build/client/itaclip register --server "$server" --display_name voc21 \
  --classes configs/classes/voc21.txt --background_first \
  --descriptions "$shared/reference/itaclip/llama_generated_texts/voc21_definitions.txt")
echo "demo: registered the VOC21 vocabulary as $vocabulary" >&2
build/client/itaclip segment --server "$server" --vocabulary "$vocabulary" --preset voc21 \
  --image "$image" --out out/labels.png --overlay out/overlay.png --scores out/scores.npy

kill -TERM "$server_pid"
wait "$server_pid"
trap - EXIT
echo "demo: wrote out/labels.png, out/overlay.png and out/scores.npy (server log: $log)"
