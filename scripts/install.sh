#!/bin/bash
# Installs what the images ship from a build tree into a staging root: bin/itaclip-server,
# bin/itaclip, bin/itaclip-fetch-model, bin/itaclip-entrypoint and share/itaclip/configs/ under the
# build's CMAKE_INSTALL_PREFIX (/usr/local by default), binaries stripped. The Dockerfile copies the
# staging root into the image; ctest (deploy.install_tree) runs the same command on CI's build.
#   usage: scripts/install.sh BUILD_DIR STAGE_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/install.sh BUILD_DIR STAGE_DIR" >&2; exit 2; }
DESTDIR=$(realpath -m "$2") cmake --install "$1" --strip >/dev/null
