#!/bin/bash
# Entry point of the itaclip images: checks the model files on $ITACLIP_MODEL_DIR (/models) against
# their SHA-256 (fetching them first when ITACLIP_FETCH_MODEL=1), then runs itaclip-server with the
# image's arguments. ITACLIP_FETCH_MODEL=skip starts the server without checking (another
# checkpoint, named by --checkpoint). Kubernetes runs itaclip-server directly: its init container
# has fetched and verified the files already.
set -euo pipefail
models=${ITACLIP_MODEL_DIR:-/models}
case "${ITACLIP_FETCH_MODEL:-0}" in
  1) itaclip-fetch-model --official "$models" ;;
  0) itaclip-fetch-model --verify-only --official "$models" ;;
  skip) ;;
  *) echo "itaclip-entrypoint: ITACLIP_FETCH_MODEL must be 0, 1 or skip" >&2; exit 2 ;;
esac
exec itaclip-server "$@"
