#!/bin/bash
# Installs an image's Debian runtime packages: runtime-packages.txt, plus runtime-packages-cpu.txt
# for the cpu variant, without documentation. Run as root in the Dockerfile's runtime stages.
#   usage: install-runtime-packages.sh cpu|cuda
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/runtime-packages.txt")
case "${1:-}" in
  cpu) lists+=("$here/runtime-packages-cpu.txt") ;;
  cuda) ;;
  *) echo "usage: install-runtime-packages.sh cpu|cuda" >&2; exit 2 ;;
esac
variant=$1
mapfile -t packages < <(grep -hv '^[[:space:]]*\(#\|$\)' "${lists[@]}")
export DEBIAN_FRONTEND=noninteractive

# Nothing in the image reads manuals, documentation or translations (debian:*-slim excludes them
# already; a debootstrapped base does not), nor static libraries (libsocket++1 ships one). Debian's
# libtorch2.6 also ships libtorch_python (the Python bindings' library, 19 MB), which nothing here
# loads.
cat >/etc/dpkg/dpkg.cfg.d/itaclip-runtime <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/lib/*/libtorch_python.so*
path-exclude=/usr/lib/*/*.a
CFG

apt-get update -qq

# stub PACKAGE WHY: installs an empty package of PACKAGE's name and current version in its place.
stub() {
  local name=$1 why=$2 version dir
  version=$(apt-cache show --no-all-versions "$name" | sed -n 's/^Version: //p' | head -n1)
  [ -n "$version" ] || { echo "install-runtime-packages: no package $name to stand in for" >&2; exit 1; }
  dir=$(mktemp -d)
  mkdir "$dir/DEBIAN"
  cat >"$dir/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $(dpkg --print-architecture)
Maintainer: itaclip-serve image build <root@localhost>
Section: oldlibs
Priority: optional
Description: empty stand-in for $name (itaclip-serve image)
 $why
CONTROL
  dpkg-deb --build "$dir" "$dir.deb" >/dev/null
  dpkg -i "$dir.deb" >/dev/null
  rm -rf "$dir" "$dir.deb"
}
# Dependencies on libraries that the programs never load, each about a hundred MB or more, stood
# in for by empty packages; the Dockerfile's `ldd` step checks that every library the programs link
# still resolves, and the container smoke test runs them.
# - OpenCV's core links the GLVND OpenGL dispatcher (libglx0, for its OpenGL interop), which
#   depends on Mesa's OpenGL implementation: Mesa's drivers and LLVM 19, about 170 MB. GLVND loads
#   a vendor's implementation only when a program creates an OpenGL context.
stub libglx-mesa0 "GLVND loads it only for an OpenGL context; itaclip creates none."
if [ "$variant" = cpu ]; then
  # - Debian's LibTorch 2.6 links Open MPI (libmpi.so.40), whose UCX (libucx0) depends on AMD's
  #   ROCm runtime for its GPU transport plugins: HIP, HSA, AMD's code-object manager and LLVM 17,
  #   about 220 MB. UCX opens those plugins in MPI_Init only, which the server never calls.
  stub libamdhip64-5 "UCX's ROCm plugins load it in MPI_Init only; itaclip never initialises MPI."
  stub libhsa-runtime64-1 "UCX's ROCm plugins load it in MPI_Init only; itaclip never initialises MPI."
fi
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# The package lists and apt's caches of them (about 90 MB); the .deb files themselves go to
# /var/cache/apt/archives, a build volume when scripts/build_image.sh builds.
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
if [ "$variant" = cpu ]; then
  # Debian's LibTorch links the generic libblas.so.3 / liblapack.so.3: point them at OpenBLAS.
  for name in $(update-alternatives --get-selections |
                awk '$1 ~ /^(libblas|liblapack)\.so\.3-/ {print $1}'); do
    choice=$(update-alternatives --list "$name" | grep openblas-pthread | head -n1)
    update-alternatives --set "$name" "$choice" >/dev/null
  done
fi
