"""Validates rendered Kubernetes objects against the Kubernetes OpenAPI schemas, offline.

The schemas are those PyPI's kubernetes-validate ships (JSON Schema generated from each release's
OpenAPI document, one folder per release; pinned in scripts/requirements-test.txt), in their
strict form: an unknown or misspelt field is an error, not silently dropped as the API server's
non-strict decoding would. Every object is checked against the newest release the package knows
and against the oldest one, so that the manifests neither use a field a current cluster rejects
nor one an older supported cluster lacks.

The Prometheus Operator's kinds (ServiceMonitor, PrometheusRule) are custom resources: no
Kubernetes release has a schema for them, so they are named here and skipped; any other kind
without a schema is a problem.
"""

import functools
import re
from typing import Dict, Iterable, List, Optional, Tuple

import jsonschema
import referencing
from kubernetes_validate import utils as kv_utils

# Custom resources of the Prometheus Operator (deploy/monitoring/), outside Kubernetes' schema.
CUSTOM_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor"),
                ("monitoring.coreos.com/v1", "PrometheusRule")}


def versions() -> Tuple[str, ...]:
    """The newest and the oldest Kubernetes release (major.minor) whose schemas are installed."""
    known = kv_utils.all_versions()
    newest, oldest = kv_utils.major_minor(known[-1]), kv_utils.major_minor(known[0])
    return (newest, oldest) if newest != oldest else (newest,)


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(object)"


@functools.lru_cache(maxsize=None)
def _validator(release: str, kind: str, api_version: str) -> Optional[jsonschema.Validator]:
    """The strict validator of one kind in one release, or None when the release has no schema
    for it. Built as kubernetes_validate.validate builds it (the same files and draft), once per
    kind: that function reloads the 1.8 MB definitions file on every call."""
    folder = "kubernetes-json-schema/v%s-local-strict" % kv_utils.all_versions()[
        [kv_utils.major_minor(v) for v in kv_utils.all_versions()].index(release)]
    # rbac.authorization.k8s.io/v1 -> rbac-v1, as the package names its files.
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv_utils.schema_contents(f"{folder}/{kind.lower()}-{api}.json", release)
    except FileNotFoundError:
        return None
    definitions = kv_utils.schema_contents(f"{folder}/_definitions.json", release)
    registry = referencing.Resource.from_contents(schema) @ referencing.Registry()
    registry = referencing.Resource.from_contents(definitions) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def problems(docs: Iterable[Dict], releases: Iterable[str] = ()) -> List[str]:
    """One line per object and release that does not validate (its first error, the deepest)."""
    releases = tuple(releases) or versions()
    found = []
    for doc in docs:
        kind, api = doc.get("kind", "?"), doc.get("apiVersion", "?")
        name = f'{kind} {doc.get("metadata", {}).get("name", "?")}'
        if (api, kind) in CUSTOM_KINDS:
            continue
        for release in releases:
            validator = _validator(release, kind, api)
            if validator is None:
                found.append(f"{name}: Couldn't find schema for kind {kind} with api version "
                             f"{api} in Kubernetes {release}")
                continue
            error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
            if error is not None:
                found.append(f"{name} ({api}) does not validate against Kubernetes {release}'s "
                             f"schema at {_path(error)}: {error.message}")
    return found
