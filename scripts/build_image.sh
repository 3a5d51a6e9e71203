#!/bin/bash
# Builds an itaclip-serve image on this machine with Debian's buildah (no Docker engine, no
# registry): the Debian 13 base is made once with debootstrap from the mirror that this machine's
# apt sources name, with trixie-updates and trixie-security added, and cached as a tarball; the
# build reuses a compiler cache (the Dockerfile's `RUN --mount=type=cache` for ccache) and an apt
# cache (a volume), and buildah's --layers skips unchanged steps. Run as root.
#   usage: scripts/build_image.sh [cpu|cuda|base] [extra buildah bud args...]
#     cpu (default)  itaclip-serve:cpu (Debian 13's LibTorch 2.6)
#     cuda           itaclip-serve:cuda (PyPI's LibTorch with CUDA); the sources of the CUDA
#                    toolkit and of the wheel are build arguments (see the Dockerfile); here the
#                    toolkit comes from PyPI (CUDA_SOURCE=pypi) unless an argument says otherwise
#     base           only the base image
# Environment: ITACLIP_IMAGE_CACHE (default ~/.cache/itaclip-images: the base tarball and the apt
# cache), ITACLIP_BASE_IMAGE (default localhost/debian:trixie), ITACLIP_IMAGE_TAG (default
# itaclip-serve:TARGET), ITACLIP_BUILD_JOBS (default 2: parallel compile jobs inside the build),
# ITACLIP_CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt: the CAs the CUDA build's pip
# trusts).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-cpu}
[ $# -eq 0 ] || shift
case "$target" in cpu|cuda|base) ;; *)
  echo "usage: scripts/build_image.sh [cpu|cuda|base] [extra buildah bud args...]" >&2; exit 2 ;;
esac
cache=${ITACLIP_IMAGE_CACHE:-$HOME/.cache/itaclip-images}
base_image=${ITACLIP_BASE_IMAGE:-localhost/debian:trixie}
tag=${ITACLIP_IMAGE_TAG:-itaclip-serve:$target}
jobs=${ITACLIP_BUILD_JOBS:-2}
suite=trixie
mkdir -p "$cache/apt"

# The Debian mirror this machine's apt already uses (one-line or deb822 sources), and its
# -security sibling; nothing is hard-coded.
apt_uris() {
  { grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed -E 's/\[[^]]*\]//' | awk '{print $2}'
    grep -hsiE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}'
  } | sed 's:/*$::'
}
mirror=$(apt_uris | grep -vE -- '-security$' | grep -E '/debian$' | head -n1 || true)
security=$(apt_uris | grep -E '/debian-security$' | head -n1 || true)
if [ -z "$mirror" ]; then
  echo "build_image.sh: no Debian mirror (…/debian) in /etc/apt/sources.list{,.d}" >&2; exit 1
fi
security=${security:-${mirror}-security}

make_base() {
  local tarball=$cache/$suite-rootfs.tar
  if [ ! -s "$tarball" ]; then
    local root
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    echo "build_image.sh: debootstrap $suite from $mirror (once; cached as $tarball)" >&2
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
      tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
    # debootstrap writes only "trixie main": the stable updates and the security fixes too.
    cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  if ! podman image exists "$base_image"; then
    podman import -q --change 'CMD ["/bin/bash"]' "$tarball" "$base_image" >/dev/null
  fi
}
make_base
[ "$target" != base ] || exit 0

extra=()
if [ "$target" = cuda ]; then
  # NVIDIA's apt repository is the Dockerfile's default source of the CUDA toolkit; PyPI's
  # toolkit wheels are the one every machine of this project reaches (override with
  # --build-arg CUDA_SOURCE=nvidia-apt).
  extra+=(--build-arg CUDA_SOURCE=pypi)
  # The CUDA build downloads wheels over HTTPS: it trusts the certificate authorities this machine
  # trusts (its network may inspect TLS with a CA of its own).
  host_ca=${ITACLIP_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
  if [ -s "$host_ca" ]; then
    extra+=(--volume "$host_ca:/run/itaclip-ca-bundle.pem:ro"
            --build-arg CA_BUNDLE=/run/itaclip-ca-bundle.pem)
  fi
fi
# --format docker: OCI images have no HEALTHCHECK.
buildah bud --isolation chroot --layers --format docker \
  --build-arg "DEBIAN_IMAGE=$base_image" --build-arg "RUNTIME_IMAGE=$base_image" \
  --build-arg "BUILD_JOBS=$jobs" \
  --volume "$cache/apt:/var/cache/apt/archives" \
  --target "$target" -t "$tag" "${extra[@]}" "$@" .
echo "build_image.sh: built $tag ($(podman image inspect "$tag" --format '{{.Size}}') bytes)" >&2
