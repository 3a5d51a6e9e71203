#!/bin/bash
# ctest e2e.python_package: the Python client package (client/python/) installed into a fresh
# virtual environment with nothing but `pip install`, offline, from the pinned wheels that
# scripts/setup_debian.sh downloads (scripts/requirements-pyclient.txt), then its pytest suite
# against the real itaclip-server and itaclip binaries.
#   1. the package alone: it must bring its own dependencies (grpcio, protobuf, numpy) and import
#      without Pillow or OpenCV;
#   2. its extras and pytest, then the tests (client/python/tests/).
# The build runs on a copy of client/python, proto/ and configs/ laid out as in the checkout, so
# that the checkout is left as it was (pip builds in the folder it is given).
#
# usage: run_in_fresh_venv.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR WHEELS [PYTEST ARGS...]
# env: ITACLIP_SHARED_DIR (required), ITACLIP_SOURCE_DIR (default: this checkout),
#      ITACLIP_PYTHON (the interpreter that makes the venv; default python3)
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR WHEELS [PYTEST ARGS...]" >&2
  exit 2
fi
server=$(realpath "$1") cli=$(realpath "$2") checkpoint=$(realpath "$3")
work=$4 wheels=$(realpath -m "$5")
shift 5
source_dir=${ITACLIP_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
python=${ITACLIP_PYTHON:-python3}
: "${ITACLIP_SHARED_DIR:?set ITACLIP_SHARED_DIR to the shared/ folder}"
# Absolute: the tests run from the work folder.
ITACLIP_SHARED_DIR=$(realpath "$ITACLIP_SHARED_DIR")
source_dir=$(realpath "$source_dir")
export ITACLIP_SHARED_DIR
if ! compgen -G "$wheels/grpcio-*.whl" >/dev/null; then
  echo "no wheels in $wheels: scripts/setup_debian.sh downloads them" \
       "(pip download -d $wheels -r scripts/requirements-pyclient.txt)" >&2
  exit 1
fi

rm -rf "$work"
mkdir -p "$work/tree/client"
cp -r "$source_dir/client/python" "$work/tree/client/python"
package=$work/tree/client/python
# Leftovers of a local build or editable install are not part of the package's source.
rm -rf "$package/build" "$package/dist" "$package/src/"*.egg-info \
       "$package/src/itaclip_client/_proto" "$package/src/itaclip_client/_data"
cp -r "$source_dir/proto" "$source_dir/configs" "$work/tree/"

offline=(--disable-pip-version-check -q --no-index --find-links "$wheels")
start=$(date +%s)
"$python" -m venv "$work/venv"
venv_python=$work/venv/bin/python
"$venv_python" -m pip install "${offline[@]}" "$package"
(cd "$work" && "$venv_python" - <<'PY'
import importlib.util
import itaclip_client as ic
for optional in ("PIL", "cv2"):
    assert importlib.util.find_spec(optional) is None, optional + " came with the bare package"
d = ic._vocabulary.build_definition("voc21")
assert len(d.classes) == 21 and d.background_first
print("bare install: itaclip_client", ic.__version__, "imports without Pillow or OpenCV")
PY
)
"$venv_python" -m pip install "${offline[@]}" -r "$source_dir/scripts/requirements-pyclient.txt" \
  "${package}[pillow,opencv]"
"$venv_python" -m pip check --disable-pip-version-check
echo "fresh venv and installs: $(($(date +%s) - start)) s"

cd "$work"
export ITACLIP_SERVER=$server ITACLIP_CLI=$cli ITACLIP_CHECKPOINT=$checkpoint
export ITACLIP_SOURCE_DIR=$source_dir ITACLIP_TEST_WORK=$work/tests
export ITACLIP_PACKAGE_DIR=$package ITACLIP_PYCLIENT_WHEELS=$wheels PYTHONDONTWRITEBYTECODE=1
exec "$venv_python" -m pytest -p no:cacheprovider -v --durations=10 "$package/tests" "$@"
