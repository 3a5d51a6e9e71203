#!/bin/bash
# The images' install step (scripts/install.sh, as the Dockerfile runs it) on this build: the
# staged tree holds the programs, the scripts and the configs; the staged server starts. (The
# images' Debian 13 runtime packages, deploy/docker/runtime-packages*.txt, are checked inside the
# built image, where they are installed: ctest deploy.container_smoke.)
#   usage: install_tree_test.sh BUILD_DIR WORKDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$here/../..
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
check() {  # check NAME STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

out=$("$repo/scripts/install.sh" "$build" "$work/stage" 2>&1)
check "scripts/install.sh" $? "$out"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$work/stage$prefix
for program in itaclip-server itaclip itaclip-fetch-model itaclip-entrypoint; do
  [ -x "$root/bin/$program" ]; check "installs bin/$program" $? "missing in $root/bin"
done
cmp -s "$root/bin/itaclip-fetch-model" "$repo/deploy/scripts/fetch-model.sh"
check "itaclip-fetch-model is deploy/scripts/fetch-model.sh" $? "differs"
for config in presets/voc21.conf presets/cityscapes.conf templates/openai_imagenet_80.txt \
              server/itaclip-server.textproto; do
  [ -f "$root/share/itaclip/configs/$config" ]; check "installs configs/$config" $? "missing"
done
# The installed programs find LibTorch as the CUDA image's ld.so.conf entry makes them (install
# drops the build tree's RPATH).
torch_library=$(sed -n 's/^TORCH_LIBRARY:FILEPATH=//p' "$build/CMakeCache.txt")
export LD_LIBRARY_PATH=$(dirname "$torch_library")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# The staged server runs (its libraries resolve) and validates its config before anything else.
out=$("$root/bin/itaclip-server" 2>&1); rc=$?
[ $rc -eq 2 ] && [[ "$out" == *"model.checkpoint is required"* ]]
check "the staged itaclip-server starts and validates its config" $? "rc=$rc $out"
out=$("$root/bin/itaclip" health --server 127.0.0.1:1 --timeout_s 1 2>&1); rc=$?
[ $rc -ne 0 ]; check "the staged itaclip health fails against nothing" $? "rc=$rc $out"

# The Dockerfile's RUN steps call scripts of this repository only; each exists, is executable and
# parses. (setup_debian.sh, build.sh and install.sh are the ones CI itself runs.)
while read -r script; do
  path=$repo/${script#./}
  path=${path/\/tmp\/docker\//deploy/docker/}
  [ -x "$path" ] && bash -n "$path"
  check "Dockerfile step $script exists and parses" $? "$path"
done < <(grep -oE '(\./scripts|/tmp/docker)/[A-Za-z0-9_.-]+\.sh' "$repo/Dockerfile" | sort -u)
for step in "setup_debian.sh build-system-torch" "scripts/build.sh" "scripts/install.sh build /stage"; do
  grep -q "$step" "$repo/Dockerfile"; check "the cpu build stage runs $step" $? "not in the Dockerfile"
done

echo "$failures failures"
[ "$failures" -eq 0 ]
