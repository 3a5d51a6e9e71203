#!/bin/bash
# ctest deploy.container_smoke: builds the CPU image here (scripts/build_image.sh: the cached
# Debian 13 base, buildah's cached layers and the ccache volume make a rebuild after a source
# change a matter of minutes, an unchanged one seconds), then runs tests/deploy/container_smoke.py
# against it beside this build's own server. ITACLIP_SMOKE_IMAGE=TAG tests an image built
# already instead. Needs root (buildah and podman with runc; scripts/setup_debian.sh installs them):
# skipped (77) as another user.
#   usage: container_smoke.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: container_smoke.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR" >&2; exit 2; }
server=$1 client=$2 checkpoint=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${ITACLIP_PYTHON:?}
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container smoke test builds and runs images as root (buildah, podman); run ctest as root"
  exit 77
fi
for tool in podman buildah runc debootstrap readelf; do
  command -v "$tool" >/dev/null || {
    echo "FAIL: $tool is missing: scripts/setup_debian.sh installs it"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work"
image=${ITACLIP_SMOKE_IMAGE:-}
if [ -z "$image" ]; then
  image=localhost/itaclip-serve:cpu-smoke
  started=$(date +%s)
  if ! ITACLIP_IMAGE_TAG=$image "$repo/scripts/build_image.sh" cpu >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"
    echo "FAIL: scripts/build_image.sh cpu (log: $work/build.log)"
    exit 1
  fi
  echo "scripts/build_image.sh cpu: $(($(date +%s) - started)) s (log: $work/build.log)"
fi
exec "$python" "$here/container_smoke.py" --image "$image" --server "$server" --client "$client" \
  --checkpoint "$checkpoint" --work "$work/run"
