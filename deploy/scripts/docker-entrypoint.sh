#!/bin/bash
# Entry point of the itaclip images: runs the command it is given, as official images do
# (`docker run IMAGE itaclip-server FLAGS...`, `docker run IMAGE itaclip health ...`, `... bash`);
# arguments that start with "-" are flags for itaclip-server. The process is exec'ed, so it is the
# container's PID 1 and receives SIGTERM itself (itaclip-server then drains).
# When the command is itaclip-server and its arguments name official model files on
# $ITACLIP_MODEL_DIR (/models/ViT-B-16.pt, /models/bpe_simple_vocab_16e6.txt.gz: the image's default
# command names both), the ones named are checked against their SHA-256 first, or fetched and
# checked with ITACLIP_FETCH_MODEL=1; ITACLIP_FETCH_MODEL=skip starts without checking. Kubernetes runs
# itaclip-server directly: its init container has fetched and verified the files already.
set -euo pipefail
if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then set -- itaclip-server "$@"; fi
models=${ITACLIP_MODEL_DIR:-/models}
named=()
if [ "$1" = itaclip-server ]; then
  for arg in "${@:2}"; do
    case "${arg#*=}" in
      "$models/ViT-B-16.pt") named+=(ViT-B-16.pt) ;;
      "$models/bpe_simple_vocab_16e6.txt.gz") named+=(bpe_simple_vocab_16e6.txt.gz) ;;
    esac
  done
fi
if [ ${#named[@]} -gt 0 ]; then
  case "${ITACLIP_FETCH_MODEL:-0}" in
    1) itaclip-fetch-model --official "$models" "${named[@]}" ;;
    0) itaclip-fetch-model --verify-only --official "$models" "${named[@]}" ;;
    skip) ;;
    *) echo "itaclip-entrypoint: ITACLIP_FETCH_MODEL must be 0, 1 or skip" >&2; exit 2 ;;
  esac
fi
exec "$@"
