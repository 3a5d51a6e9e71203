#!/bin/bash
# Puts the model files where the server reads them and checks each against its SHA-256: used by the
# Kubernetes init container (on the model volume), by the image's entry point and by hand.
#   usage: fetch-model.sh [--verify-only] DEST URL SHA256 [DEST URL SHA256 ...]
#          fetch-model.sh [--verify-only] --official DIR [FILE...]
# --official DIR stands for OpenAI's ViT-B/16 weights and CLIP's BPE vocabulary, saved as
# DIR/ViT-B-16.pt and DIR/bpe_simple_vocab_16e6.txt.gz (the server config's paths); FILE names
# limit it to those of the two.
# A DEST that exists with the right SHA-256 is kept (a pre-filled or persistent volume costs no
# download); otherwise URL (https://, http://, file://) is downloaded to a temporary file beside
# DEST, checked, and renamed over DEST, so DEST never holds a partial or unchecked file. A wrong
# SHA-256 is an error and leaves nothing behind. --verify-only checks and never downloads.
# Exit status: 0 when every DEST is in place and verified, 1 otherwise, 2 for bad usage.
set -euo pipefail

readonly OFFICIAL_MODEL_URL=https://openaipublic.azureedge.net/clip/models/5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt
readonly OFFICIAL_MODEL_SHA256=5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f
readonly OFFICIAL_BPE_URL=https://github.com/openai/CLIP/raw/main/clip/bpe_simple_vocab_16e6.txt.gz
readonly OFFICIAL_BPE_SHA256=924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a

say() { echo "fetch-model: $*" >&2; }
usage() {
  say "usage: fetch-model.sh [--verify-only] DEST URL SHA256 [DEST URL SHA256 ...]"
  say "       fetch-model.sh [--verify-only] --official DIR [FILE...]"
  exit 2
}

verify_only=0
if [ "${1:-}" = --verify-only ]; then verify_only=1; shift; fi
if [ "${1:-}" = --official ]; then
  [ $# -ge 2 ] || usage
  dir=$2
  shift 2
  names=("$@")
  [ ${#names[@]} -gt 0 ] || names=(ViT-B-16.pt bpe_simple_vocab_16e6.txt.gz)
  set --
  for name in "${names[@]}"; do
    case "$name" in
      ViT-B-16.pt) set -- "$@" "$dir/$name" "$OFFICIAL_MODEL_URL" "$OFFICIAL_MODEL_SHA256" ;;
      bpe_simple_vocab_16e6.txt.gz) set -- "$@" "$dir/$name" "$OFFICIAL_BPE_URL" "$OFFICIAL_BPE_SHA256" ;;
      *) say "--official: $name is not an official file (ViT-B-16.pt, bpe_simple_vocab_16e6.txt.gz)"
         exit 2 ;;
    esac
  done
fi
if [ $# -eq 0 ] || [ $(($# % 3)) -ne 0 ]; then usage; fi

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_one DEST URL SHA256
fetch_one() {
  local dest=$1 url=$2 expected=$3
  if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    say "$dest: \"$expected\" is not a SHA-256 (64 lowercase hex digits)"
    return 2
  fi
  if [ -f "$dest" ]; then
    local actual
    actual=$(sha256_of "$dest")
    if [ "$actual" = "$expected" ]; then
      say "$dest: present, sha256 $expected verified"
      return 0
    fi
    say "$dest: sha256 is $actual, expected $expected"
    if [ $verify_only -eq 1 ]; then return 1; fi
  elif [ $verify_only -eq 1 ]; then
    say "$dest: missing (mount the model volume there, or fetch it: ITACLIP_FETCH_MODEL=1)"
    return 1
  fi

  mkdir -p "$(dirname "$dest")"
  local partial
  partial="$(dirname "$dest")/.$(basename "$dest").partial.$$"
  say "$dest: downloading $url"
  if ! curl --fail --location --silent --show-error --retry 5 --retry-delay 2 \
       --connect-timeout 30 --output "$partial" "$url"; then
    rm -f "$partial"
    say "$dest: cannot download $url"
    return 1
  fi
  local actual
  actual=$(sha256_of "$partial")
  if [ "$actual" != "$expected" ]; then
    rm -f "$partial"
    say "$dest: the download from $url has sha256 $actual, expected $expected;" \
        "nothing was written (a corrupt download, or the file at the URL changed)"
    return 1
  fi
  mv -f "$partial" "$dest"
  say "$dest: downloaded, sha256 $expected verified"
}

status=0
while [ $# -gt 0 ]; do
  rc=0
  fetch_one "$1" "$2" "$3" || rc=$?
  if [ $rc -gt $status ]; then status=$rc; fi
  shift 3
done
exit $status
