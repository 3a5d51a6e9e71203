#!/bin/bash
# What can be checked of the CUDA image on a machine without a GPU (not in ctest: building the image
# downloads gigabytes and compiles for many minutes; run it after `scripts/build_image.sh cuda`):
# every library the programs link resolves (the driver's libcuda.so.1 aside, which the NVIDIA
# container toolkit mounts), both programs print their usage, the image's own command
# (--model_device cuda) stops at once with a clear error naming the missing CUDA device, and
# without --model_device the server says it found no CUDA device, falls back to the CPU and serves.
# Also: uid 10001, no headers, static libraries or toolkit programs in the runtime.
#   usage: tests/deploy/cuda_image_check.sh IMAGE CHECKPOINT BPE_FILE ITACLIP_CLIENT WORKDIR
set -uo pipefail
[ $# -eq 5 ] || { echo "usage: cuda_image_check.sh IMAGE CHECKPOINT BPE_FILE ITACLIP_CLIENT WORKDIR" >&2; exit 2; }
image=$1 checkpoint=$2 bpe=$3 client=$4 work=$5
podman=(podman --runtime runc)
flags=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network host)
failures=0
check() {  # check NAME STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}
rm -rf "$work" && mkdir -p "$work/models"
cp "$checkpoint" "$bpe" "$work/models/"
chmod 755 "$work/models"
models=(-v "$work/models:/models:ro")
ckpt=/models/$(basename "$checkpoint") vocab=/models/$(basename "$bpe")

size=$("${podman[@]}" image inspect "$image" --format '{{.Size}}')
echo "image $image: $size bytes ($((size / 1000000)) MB)"

out=$("${podman[@]}" run --rm "${flags[@]}" --entrypoint /bin/bash "$image" -c '
  ldd /usr/local/bin/itaclip-server /usr/local/bin/itaclip | grep -F "not found" | grep -vE "^\s*lib(cuda|nvidia-ml)\.so\.1 "
  id -u
  find / -xdev \( -name "*.a" -o -name "*.h" -o -name "*.hpp" -o -name nvcc -o -name cicc \) \
    -not -path "/proc/*" 2>/dev/null | head -n 5' 2>/dev/null)
[ "$(printf '%s\n' "$out" | head -n1)" = 10001 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
check "libraries resolve, uid 10001, no headers/static libraries/toolkit programs" $? "$out"

# (--help shows the usage line; the server's flags live outside main.cc, so absl lists them under
# --helpfull.)
out=$("${podman[@]}" run --rm "${flags[@]}" "$image" itaclip-server --help 2>&1)
[[ "$out" == *"itaclip-server --config FILE | --checkpoint CKPT"* ]]
check "itaclip-server --help" $? "$(tail -n 5 <<<"$out")"
out=$("${podman[@]}" run --rm "${flags[@]}" "$image" itaclip-server --helpfull 2>&1)
[[ "$out" == *"--model_device"* ]]
check "itaclip-server --helpfull lists --model_device" $? "$(tail -n 5 <<<"$out")"
out=$("${podman[@]}" run --rm "${flags[@]}" "$image" itaclip --help 2>&1)
[[ "$out" == *"itaclip segment"* ]]
check "itaclip --help" $? "$(tail -n 5 <<<"$out")"

# The image's command asks for cuda: without a device that is an error at start, not a CPU server.
started=$(date +%s)
out=$("${podman[@]}" run --rm "${flags[@]}" "${models[@]}" "$image" itaclip-server \
        --checkpoint "$ckpt" --bpe_vocabulary "$vocab" --model_device cuda \
        --listen 127.0.0.1:0 --metrics_listen none --http_listen none 2>&1); rc=$?
echo "--model_device cuda: exit $rc after $(($(date +%s) - started)) s: $(grep -m1 -i cuda <<<"$out")"
[ $rc -ne 0 ] && [[ "$out" == *"no CUDA device"* ]]
check "--model_device cuda without a GPU: a clear error, non-zero exit" $? "rc=$rc $(tail -n 5 <<<"$out")"

# No device named: the server falls back to the CPU, says so, and serves.
name=itaclip-cuda-check
"${podman[@]}" rm -f "$name" >/dev/null 2>&1
"${podman[@]}" run -d --name "$name" "${flags[@]}" "${models[@]}" "$image" itaclip-server \
  --checkpoint "$ckpt" --bpe_vocabulary "$vocab" --listen 127.0.0.1:0 --metrics_listen none --http_listen none \
  --cpu_threads 1 >/dev/null
port=
for _ in $(seq 1 600); do
  port=$("${podman[@]}" logs "$name" 2>&1 | sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
serving=1
if [ -n "$port" ]; then
  for _ in $(seq 1 300); do
    if "$client" health --server "127.0.0.1:$port" --timeout_s 2 >/dev/null 2>&1; then serving=0; break; fi
    sleep 0.2
  done
fi
log=$("${podman[@]}" logs "$name" 2>&1)
check "no --model_device: falls back to the CPU and serves (health SERVING)" $serving "$(tail -n 8 <<<"$log")"
echo "$log" | grep -m3 -iE 'device|cuda' | cut -c1-300
grep -qiE '"device":"cpu"|device.*cpu' <<<"$log"
check "no --model_device: the log names the CPU device" $? "$(head -n 5 <<<"$log")"
"${podman[@]}" stop -t 20 "$name" >/dev/null
code=$("${podman[@]}" inspect "$name" --format '{{.State.ExitCode}}')
[ "$code" = 0 ]; check "SIGTERM: exit 0" $? "exit $code"
"${podman[@]}" rm -f "$name" >/dev/null

echo "$failures failures"
[ "$failures" -eq 0 ]
