#!/bin/bash
# Installs what the build, the tests and the benchmark need: Debian's packages (Debian 12 or 13)
# and, in .venv/ beside them, PyPI's pinned PyTorch wheel, whose LibTorch CMake builds against
# (scripts/requirements-torch.txt), plus the Python packages of the tests
# (scripts/requirements-test.txt), and the wheels the Python client's test installs offline into a
# fresh virtual environment (.venv/pyclient-wheels/, scripts/requirements-pyclient.txt).
# Idempotent; run as root (or with sudo). Used by the README, .ci/run and the Dockerfile.
#   usage: scripts/setup_debian.sh [all|build|build-system-torch|toolchain]
#     all (default)       everything: what CI and developers need
#     build               the toolchain, the libraries and LibTorch's wheel in .venv/
#     build-system-torch  the toolchain, the libraries and Debian's own libtorch-dev (Debian 13:
#                         LibTorch 2.6, CPU only; the CPU image's build stage), no .venv/
#     toolchain           the toolchain and the libraries, no LibTorch (the CUDA image's build
#                         stage: scripts/setup_cuda_libtorch.sh brings LibTorch and CUDA)
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # core: OpenCV, abseil, JSON for safetensors headers, zlib and its minizip (checks TorchScript
  # archives)
  libopencv-dev libabsl-dev nlohmann-json3-dev zlib1g-dev libminizip-dev
  # server and client: gRPC, Protobuf, prometheus-cpp, hiredis (the shared Redis vocabulary store)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc prometheus-cpp-dev libssl-dev
  libhiredis-dev
  # server: cpp-httplib for its HTTP endpoints (/metrics); its pkg-config flags enable its brotli
  # support, whose headers it then includes
  libcpp-httplib-dev libbrotli-dev
)
# .venv/: Debian's Python with its venv module (pip installs the wheels there, outside Debian's
# externally managed Python).
venv_packages=(python3 python3-venv)
test_packages=(
  # tests
  libgtest-dev libgmock-dev
  # tests: certificates for TLS, the metrics page
  openssl curl
  # tests: a real Redis for the shared vocabulary store (redis-cli comes with it)
  redis-server
  # deploy checks (scripts/check_deploy.sh): YAML lint; kubectl below
  yamllint
  # the container smoke test (scripts/build_image.sh, tests/deploy/container_smoke.sh): a Debian 13
  # base from debootstrap, buildah builds the Dockerfile, podman runs it with runc (named here so
  # that apt does not pick crun for podman's "crun | runc": crun fails on cgroup v1 hybrid hosts)
  podman buildah runc debootstrap
  # the web page's browser test (tests/e2e/web_page.py): headless Chromium and its WebDriver
  chromium chromium-driver
)

mode=${1:-all}
case "$mode" in
  all) packages=("${build_packages[@]}" "${venv_packages[@]}" "${test_packages[@]}")
       requirements=scripts/requirements-test.txt ;;
  build) packages=("${build_packages[@]}" "${venv_packages[@]}")
         requirements=scripts/requirements-torch.txt ;;
  build-system-torch) packages=("${build_packages[@]}" libtorch-dev) requirements= ;;
  toolchain) packages=("${build_packages[@]}") requirements= ;;
  *) echo "usage: scripts/setup_debian.sh [all|build|build-system-torch|toolchain]" >&2; exit 2 ;;
esac
# `kubectl kustomize` renders deploy/ offline. Debian 12 ships kubectl as kubernetes-client 1.20
# (kustomize v2, which renders deploy/ too); a kubectl already installed (e.g. from Kubernetes' or
# Google's repository, kustomize v5) is used as it is.
if [ "$mode" = all ] && ! command -v kubectl >/dev/null; then packages+=(kubernetes-client); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -n "$requirements" ]; then
  # Debian's interpreter, not whichever python3 comes first on PATH: the same everywhere.
  [ -x .venv/bin/python3 ] || /usr/bin/python3 -m venv .venv
  # pip's cache (~/.cache/pip) makes a second set-up on the same machine a matter of seconds.
  .venv/bin/python3 -m pip install --disable-pip-version-check -q -r "$requirements"
fi
if [ "$mode" = all ]; then
  # The Python client's test (ctest e2e.python_package) installs the package into a fresh virtual
  # environment offline, from these wheels (client/python/tests/run_in_fresh_venv.sh).
  .venv/bin/python3 -m pip download --disable-pip-version-check -q -d .venv/pyclient-wheels \
    -r scripts/requirements-pyclient.txt
fi
