#!/bin/bash
# Checks deploy/ as far as a machine without a cluster can: renders both Kustomize overlays, lints
# the sources and the rendered manifests with yamllint, validates every rendered object against the
# Kubernetes OpenAPI schemas (kubernetes-validate, offline) and checks the manifests against the
# service's and the image's invariants (tests/deploy/check_manifests.py), runs the
# checker's own tests (each invariant it guards, broken on purpose), and the model-fetch script's
# tests. Run by ctest (deploy.*) and by hand.
#   usage: scripts/check_deploy.sh [WORKDIR]      (KUBECTL=... picks the kubectl)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/deploy-check}
kubectl=${KUBECTL:-kubectl}
rm -rf "$work" && mkdir -p "$work"
python=${ITACLIP_PYTHON:-.venv/bin/python3}
for tool in "$kubectl" yamllint "$python"; do
  command -v "$tool" >/dev/null || { echo "check_deploy: $tool is not installed (scripts/setup_debian.sh)"; exit 1; }
done
for module in yaml kubernetes_validate; do
  "$python" -c "import $module" 2>/dev/null ||
    { echo "check_deploy: $python has no $module module (scripts/setup_debian.sh)"; exit 1; }
done
echo "== $("$kubectl" version --client 2>/dev/null | head -n 2 | tr '\n' ' ')"

echo "== render and check the overlays"
KUBECTL=$kubectl "$python" tests/deploy/check_manifests.py --out "$work" cpu gpu

echo "== yamllint"
yamllint --strict -c .yamllint deploy/ .yamllint
# The rendered manifests embed the dashboard JSON, whose PromQL lines are long.
yamllint --strict -d "{extends: $PWD/.yamllint, rules: {line-length: disable}}" \
  "$work/cpu.yaml" "$work/gpu.yaml"
echo "yamllint ok"

echo "== the checker's own tests"
KUBECTL=$kubectl "$python" tests/deploy/check_manifests_test.py

echo "== fetch-model.sh"
bash tests/deploy/fetch_model_test.sh "$work/fetch-model"
