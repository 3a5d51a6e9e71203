#!/usr/bin/env python3
"""Checks the rendered Kubernetes manifests (deploy/overlays/*) against the invariants the service
depends on, reading the facts from their sources rather than restating them:

- every container, init containers included: the restricted security context (non-root,
  read-only root filesystem, no privilege escalation, all capabilities dropped) and CPU and memory
  requests and limits; every long-running container: readiness, liveness and startup probes;
- the server container: native gRPC probes on the port of the ConfigMap's listen_address, on the
  health service names the server registers; its container ports, the Services' target ports and
  the ServiceMonitor's port agree with listen_address, metrics_address and http_address;
- the model: the init container fetches exactly the files the config loads, onto the volume the
  server mounts read-only, with the digests of deploy/scripts/fetch-model.sh;
- the server's arguments are flags itaclip-server defines, and its configs_dir is where the
  Dockerfile installs the configs;
- shutdown: terminationGracePeriodSeconds covers the preStop pause plus drain_grace_seconds;
- scaling: the PodDisruptionBudget and the HPA select the server; the HPA's metric is a gauge the
  server exports and the one the prometheus-adapter rule serves;
- monitoring: every metric name in the PrometheusRule, the Grafana dashboard and the adapter rule
  is one that server/observability/server_metrics.cc exports (with _bucket/_sum/_count only for
  histograms), every exported metric is on the dashboard, and the status codes and methods they
  filter on exist; the saturation alert divides by the config's max_pending_requests;
- the gpu overlay requests nvidia.com/gpu, tolerates the GPU taint and runs --model_device=cuda; the
  cpu overlay requests no GPU and runs --model_device=cpu with --cpu_threads within its CPU limit;
- the image: every container that runs an itaclip program runs one the image installs, as the
  Dockerfile's uid and gid, on ports it exposes, with the image's model folder (ITACLIP_MODEL_DIR)
  and $HOME mounted (HOME writable);
- every object validates against the Kubernetes OpenAPI schemas (strict: no unknown field) of the
  newest and the oldest release that kubernetes-validate ships (tests/deploy/kube_schema.py);
- the Redis the config names is a Service of the manifests, and the NetworkPolicies let the server
  reach it and clients reach the server.

  usage: check_manifests.py [--repo DIR] [--out DIR] OVERLAY...       render deploy/overlays/OVERLAY
         check_manifests.py [--repo DIR] --rendered NAME=FILE ...      check already rendered YAML
NAME (cpu or gpu) selects the device checks. Exit status 0 when every check passes, 1 otherwise
(each problem on its own line), 2 for bad usage or a render that fails.
"""

import argparse
import json
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_schema  # noqa: E402

HEALTH_SERVICE = "itaclip.v1.SegmentationService"
STATUS_CODES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


# ---------------------------------------------------------------------------------------------
# Facts read from the repository.

def read(repo, relative):
    with open(os.path.join(repo, relative)) as file:
        return file.read()


def adapter_rules(repo):
    return yaml.safe_load(read(repo, "deploy/monitoring/prometheus-adapter-values.yaml"))[
        "rules"]["custom"]

def exported_metrics(repo):
    """{name: type} of every metric server_metrics.cc registers or renders."""
    text = read(repo, "server/observability/server_metrics.cc")
    metrics = {}
    for match in re.finditer(r"Build(Counter|Histogram|Gauge)\(\)\s*\.Name\(\"(\w+)\"\)", text):
        metrics[match.group(2)] = match.group(1).lower()
    for match in re.finditer(r"OneValueFamily\(\"(\w+)\",.*?MetricType::(Gauge|Counter)", text,
                             re.S):
        metrics[match.group(1)] = match.group(2).lower()
    return metrics


def series_names(metrics):
    """The series names Prometheus stores for `metrics`."""
    names = set()
    for name, kind in metrics.items():
        if kind == "histogram":
            names.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(name)
    return names


def rpc_methods(repo):
    # The service's RPCs as the API declares them (the server labels its metrics with these names).
    text = read(repo, "proto/itaclip/v1/segmentation_service.proto")
    return set(re.findall(r"^\s*rpc (\w+)\(", text, re.MULTILINE))


def server_flags(repo):
    text = read(repo, "server/config/server_flags.cc")
    return set(re.findall(r"ABSL_FLAG\([^,]+,\s*(\w+),", text))


def image_config_dir(repo):
    """Where the images install configs/: <the Dockerfile's CMAKE_INSTALL_PREFIX>/share/itaclip/..."""
    prefixes = set(re.findall(r"-DCMAKE_INSTALL_PREFIX=(\S+)", read(repo, "Dockerfile")))
    return {prefix + "/share/itaclip/configs" for prefix in prefixes}


def image_facts(repo):
    """What the Dockerfile's runtime targets (cpu, cuda) set: the user, the exposed ports, the
    environment (ITACLIP_MODEL_DIR, HOME). Each fact as the set of values the targets give it."""
    text = read(repo, "Dockerfile")
    stages = re.split(r"^FROM\s+", text, flags=re.M)[1:]
    runtime = [s for s in stages if re.match(r"\S+\s+AS\s+(cpu|cuda)\b", s)]
    facts = {"user": set(), "ports": set(), "env": {}}
    for stage in runtime:
        stage = stage.replace("\\\n", " ")
        facts["user"].update(re.findall(r"^USER\s+(\S+)", stage, re.M))
        for ports in re.findall(r"^EXPOSE\s+(.+)$", stage, re.M):
            facts["ports"].update(int(p.split("/")[0]) for p in ports.split())
        for env in re.findall(r"^ENV\s+(.+)$", stage, re.M):
            for key, value in re.findall(r"(\w+)=(\S+)", env):
                facts["env"].setdefault(key, set()).add(value)
    return facts


def installed_programs(repo):
    """The programs the images install into bin/: the targets installed by server/ and client/,
    and the scripts CMakeLists.txt installs under a new name."""
    names = set(re.findall(r"install\(PROGRAMS \S+ DESTINATION bin RENAME (\S+)\)",
                           read(repo, "CMakeLists.txt")))
    for folder in ("server", "client"):
        names.update(re.findall(r"install\(TARGETS ([\w-]+)", read(repo, folder + "/CMakeLists.txt")))
    return names


def official_digests(repo):
    text = read(repo, "deploy/scripts/fetch-model.sh")
    return dict(re.findall(r"readonly OFFICIAL_(\w+)_SHA256=([0-9a-f]{64})", text))


def textproto_value(text, field):
    """The first `field: value` of a text proto (a string without quotes, or a number)."""
    match = re.search(r"^\s*" + field + r"\s*:\s*(\"([^\"]*)\"|[-0-9.eE]+)", text, re.M)
    if not match:
        return None
    return match.group(2) if match.group(2) is not None else match.group(1)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


# ---------------------------------------------------------------------------------------------
# Rendering.

def render(repo, overlay, kubectl):
    path = os.path.join(repo, "deploy/overlays", overlay)
    result = subprocess.run([kubectl, "kustomize", path], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{kubectl} kustomize {path} failed:\n{result.stderr}")
    return result.stdout


def load(text):
    return [doc for doc in yaml.safe_load_all(text) if doc]


# ---------------------------------------------------------------------------------------------
# The checks. Each takes the rendered documents and returns a list of problems.

class Checker:
    def __init__(self, repo, name, docs):
        self.repo = repo
        self.name = name
        self.docs = docs
        self.problems = []

    def problem(self, text):
        self.problems.append(f"{self.name}: {text}")

    def of_kind(self, kind):
        return [d for d in self.docs if d.get("kind") == kind]

    def one(self, kind, name):
        found = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        return found[0] if found else None

    # The server: the Deployment whose container runs itaclip-server.
    def server(self):
        for workload in self.of_kind("Deployment"):
            for container in workload["spec"]["template"]["spec"].get("containers", []):
                if (container.get("command") or [""])[0] == "itaclip-server":
                    return workload, container
        return None, None

    def server_config(self, workload, container):
        """The text of the server config file the container's --config names, from its ConfigMap."""
        args = container.get("args", [])
        path = None
        for i, arg in enumerate(args):
            if arg == "--config" and i + 1 < len(args):
                path = args[i + 1]
            elif arg.startswith("--config="):
                path = arg.split("=", 1)[1]
        if path is None:
            self.problem("the server container has no --config argument")
            return None
        directory, file_name = os.path.split(path)
        mount = next((m for m in container.get("volumeMounts", [])
                      if m["mountPath"].rstrip("/") == directory), None)
        if mount is None:
            self.problem(f"no volume is mounted at {directory} for --config {path}")
            return None
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"].get("volumes", [])}
        volume = volumes.get(mount["name"], {})
        config_map = self.one("ConfigMap", volume.get("configMap", {}).get("name", ""))
        if config_map is None or file_name not in config_map.get("data", {}):
            self.problem(f"--config {path}: no ConfigMap in the manifests holds {file_name}")
            return None
        return config_map["data"][file_name]

    def check_pods(self):
        for workload in self.docs:
            if workload.get("kind") not in WORKLOAD_KINDS:
                continue
            pod = workload["spec"]["template"]["spec"]
            pod_context = pod.get("securityContext", {})
            label = f'{workload["kind"]} {workload["metadata"]["name"]}'
            if pod.get("automountServiceAccountToken") is not False:
                self.problem(f"{label}: automountServiceAccountToken is not false")
            init = [(c, True) for c in pod.get("initContainers", [])]
            for container, is_init in init + [(c, False) for c in pod.get("containers", [])]:
                where = f'{label} container {container["name"]}'
                context = container.get("securityContext", {})
                if context.get("allowPrivilegeEscalation") is not False:
                    self.problem(f"{where}: allowPrivilegeEscalation is not false")
                if context.get("readOnlyRootFilesystem") is not True:
                    self.problem(f"{where}: readOnlyRootFilesystem is not true")
                if "ALL" not in context.get("capabilities", {}).get("drop", []):
                    self.problem(f"{where}: capabilities do not drop ALL")
                if context.get("privileged"):
                    self.problem(f"{where}: privileged")
                if not (context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True):
                    self.problem(f"{where}: runAsNonRoot is not true")
                if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
                    self.problem(f"{where}: runs as uid 0")
                resources = container.get("resources", {})
                for kind in ("requests", "limits"):
                    for resource in ("cpu", "memory"):
                        if resource not in resources.get(kind, {}):
                            self.problem(f"{where}: no {resource} in resources.{kind}")
                if not is_init:
                    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                        if probe not in container:
                            self.problem(f"{where}: no {probe}")

    def check_server(self):
        workload, container = self.server()
        if workload is None:
            self.problem("no Deployment runs itaclip-server")
            return
        config = self.server_config(workload, container)
        if config is None:
            return
        listen = textproto_value(config, "listen_address")
        metrics_address = textproto_value(config, "metrics_address")
        if not listen or not metrics_address:
            self.problem("the server config sets no listen_address or metrics_address")
            return
        grpc_port, metrics_port = port_of(listen), port_of(metrics_address)
        http_address = textproto_value(config, "http_address")
        http_port = port_of(http_address) if http_address else None

        # Probes: native gRPC, on the listen port, on the health service names.
        for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
            probe = container.get(probe_name)
            if probe is None:
                continue  # reported by check_pods
            grpc = probe.get("grpc")
            if grpc is None:
                self.problem(f"server {probe_name} is not a gRPC probe")
                continue
            if grpc.get("port") != grpc_port:
                self.problem(f"server {probe_name} probes port {grpc.get('port')}, but the server "
                             f"listens on {grpc_port} (listen_address {listen})")
            service = grpc.get("service", "")
            if service not in ("", HEALTH_SERVICE):
                self.problem(f"server {probe_name} asks for health service '{service}', which the "
                             f"server does not register")
            if probe_name != "livenessProbe" and service != HEALTH_SERVICE:
                self.problem(f"server {probe_name} should ask for {HEALTH_SERVICE}")

        # Container ports, Services, ServiceMonitor.
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        if grpc_port not in ports.values():
            self.problem(f"the server container does not declare port {grpc_port}")
        if metrics_port not in ports.values():
            self.problem(f"the server container does not declare metrics port {metrics_port}")
        if http_port is not None and http_port not in ports.values():
            self.problem(f"the server container does not declare HTTP port {http_port}")
        pod_labels = workload["spec"]["template"]["metadata"].get("labels", {})
        services = [s for s in self.of_kind("Service") if s["spec"].get("selector") and
                    all(pod_labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        if not services:
            self.problem("no Service selects the server pods")
        for service in services:
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                target = ports.get(target, target) if isinstance(target, str) else target
                if port["name"] == "grpc" and target != grpc_port:
                    self.problem(f'Service {service["metadata"]["name"]} port grpc targets '
                                 f"{target}, the server listens on {grpc_port}")
                if port["name"] == "http" and target != http_port:
                    self.problem(f'Service {service["metadata"]["name"]} port http targets '
                                 f"{target}, the HTTP/JSON API is on {http_port}")
                if port["name"] == "metrics" and target != metrics_port:
                    self.problem(f'Service {service["metadata"]["name"]} port metrics targets '
                                 f"{target}, the metrics endpoint is on {metrics_port}")
                if target not in ports.values():
                    self.problem(f'Service {service["metadata"]["name"]} port {port["name"]} '
                                 f"targets {target}, which the server container does not declare")
        if not any(s["spec"].get("clusterIP") == "None" for s in services):
            self.problem("no headless Service for client-side gRPC balancing")
        for monitor in self.of_kind("ServiceMonitor"):
            selector = monitor["spec"]["selector"].get("matchLabels", {})
            chosen = [s for s in services if all(s["metadata"].get("labels", {}).get(k) == v
                                                 for k, v in selector.items())]
            if len(chosen) != 1:
                self.problem(f'ServiceMonitor {monitor["metadata"]["name"]} selects {len(chosen)} '
                             "server Services (exactly one, or pods are scraped twice)")
                continue
            names = {p["name"] for p in chosen[0]["spec"]["ports"]}
            for endpoint in monitor["spec"]["endpoints"]:
                if endpoint.get("port") not in names or endpoint.get("port") != "metrics":
                    self.problem(f'ServiceMonitor scrapes port {endpoint.get("port")}, not the '
                                 "Service's metrics port")

        flags = server_flags(self.repo)
        for arg in container.get("args", []):
            if arg.startswith("--"):
                flag = arg[2:].split("=", 1)[0]
                if flag not in flags:
                    self.problem(f"the server container passes --{flag}, which itaclip-server does "
                                 "not define (server/config/server_flags.cc)")
        configs_dir = textproto_value(config, "configs_dir")
        installed = image_config_dir(self.repo)
        if configs_dir is not None and configs_dir not in installed:
            where = ", ".join(sorted(installed)) or "no CMAKE_INSTALL_PREFIX in the Dockerfile"
            self.problem(f"model.configs_dir {configs_dir} is not where the image installs the "
                         f"configs ({where})")

        self.check_model(workload, container, config)
        self.check_shutdown(workload, container, config)
        self.check_scaling(workload, pod_labels)
        self.check_monitoring(config)
        self.check_device(container)
        self.check_redis(config, pod_labels, grpc_port, metrics_port, http_port)

    def check_model(self, workload, container, config):
        pod = workload["spec"]["template"]["spec"]
        wanted = {textproto_value(config, "checkpoint"): "MODEL",
                  textproto_value(config, "bpe_vocabulary"): "BPE"}
        fetchers = [c for c in pod.get("initContainers", [])
                    if (c.get("command") or [""])[0] == "itaclip-fetch-model"]
        if not fetchers:
            self.problem("no init container runs itaclip-fetch-model")
            return
        fetcher = fetchers[0]
        args = [a for a in fetcher.get("args", []) if a != "--verify-only"]
        triples = {args[i]: (args[i + 1], args[i + 2]) for i in range(0, len(args) - 2, 3)}
        digests = official_digests(self.repo)
        for path, which in wanted.items():
            if path not in triples:
                self.problem(f"the server loads {path}, which the init container does not fetch")
                continue
            if triples[path][1] != digests.get(which):
                self.problem(f"the init container checks {path} against {triples[path][1]}, not "
                             f"the official sha256 {digests.get(which)} (fetch-model.sh)")
            directory = os.path.dirname(path)
            fetch_mount = next((m for m in fetcher.get("volumeMounts", [])
                                if m["mountPath"].rstrip("/") == directory), None)
            serve_mount = next((m for m in container.get("volumeMounts", [])
                                if m["mountPath"].rstrip("/") == directory), None)
            if fetch_mount is None or serve_mount is None or \
                    fetch_mount["name"] != serve_mount["name"]:
                self.problem(f"{directory} is not the same volume in the init container and the "
                             "server")
            elif serve_mount.get("readOnly") is not True:
                self.problem(f"the server mounts the model volume {directory} writable")

    def check_shutdown(self, workload, container, config):
        pod = workload["spec"]["template"]["spec"]
        grace = float(textproto_value(config, "drain_grace_seconds") or 20)
        pause = 0.0
        command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get(
            "command", [])
        if len(command) == 2 and command[0] == "sleep":
            pause = float(command[1])
        # The server's gRPC shutdown after the drain takes up to 1 s.
        needed = pause + grace + 1
        period = pod.get("terminationGracePeriodSeconds", 30)
        if period < needed:
            self.problem(f"terminationGracePeriodSeconds {period} < preStop {pause:g} s + "
                         f"drain_grace_seconds {grace:g} s + 1 s")

    def check_scaling(self, workload, pod_labels):
        name = workload["metadata"]["name"]
        pdbs = [p for p in self.of_kind("PodDisruptionBudget")
                if all(pod_labels.get(k) == v
                       for k, v in p["spec"]["selector"].get("matchLabels", {}).items())]
        if not pdbs:
            self.problem("no PodDisruptionBudget selects the server pods")
        hpas = [h for h in self.of_kind("HorizontalPodAutoscaler")
                if h["spec"]["scaleTargetRef"].get("name") == name]
        if not hpas:
            self.problem(f"no HorizontalPodAutoscaler scales Deployment {name}")
            return
        metrics = exported_metrics(self.repo)
        served = {rule["name"]["as"] for rule in adapter_rules(self.repo)}
        for hpa in hpas:
            if hpa["spec"].get("minReplicas", 1) < 2 and pdbs:
                self.problem("HPA minReplicas < 2: the PodDisruptionBudget would block every drain")
            for metric in hpa["spec"].get("metrics", []):
                if metric["type"] != "Pods":
                    continue
                metric_name = metric["pods"]["metric"]["name"]
                if metrics.get(metric_name) != "gauge":
                    self.problem(f"the HPA scales on {metric_name}, which is not a gauge the "
                                 "server exports")
                if metric_name not in served:
                    self.problem(f"the HPA scales on {metric_name}, which the prometheus-adapter "
                                 "rules do not serve")

    def check_promql(self, where, expr, names, methods):
        for name in re.findall(r"\bitaclip_[A-Za-z0-9_]+", expr):
            if name not in names:
                self.problem(f"{where} uses {name}, which the server does not export")
        for codes in re.findall(r"code\s*=~?\s*\"([^\"]*)\"", expr):
            for code in codes.split("|"):
                if code not in STATUS_CODES:
                    self.problem(f"{where} filters on code {code}, not a status code name")
        for method_values in re.findall(r"method\s*=~?\s*\"([^\"]*)\"", expr):
            for method in method_values.split("|"):
                if method not in methods:
                    self.problem(f"{where} filters on method {method}, not an RPC of the server")

    def check_monitoring(self, config):
        metrics = exported_metrics(self.repo)
        if not metrics:
            self.problem("no metric found in server_metrics.cc")
            return
        names = series_names(metrics)
        methods = rpc_methods(self.repo)
        rules = self.of_kind("PrometheusRule")
        if not rules:
            self.problem("no PrometheusRule")
        alerts = {}
        for rule_doc in rules:
            for group in rule_doc["spec"]["groups"]:
                for rule in group["rules"]:
                    where = f'alert {rule.get("alert", rule.get("record"))}'
                    alerts[rule.get("alert")] = rule["expr"]
                    self.check_promql(where, rule["expr"], names, methods)
        for wanted, metric in (("error rate", "itaclip_requests_total"),
                               ("p99 latency", "itaclip_request_seconds_bucket"),
                               ("queue saturation", "itaclip_in_flight_requests"),
                               ("device memory", "itaclip_device_memory_bytes")):
            if not any(metric in expr for expr in alerts.values()):
                self.problem(f"no {wanted} alert (on {metric})")
        limit = textproto_value(config, "max_pending_requests") or "64"
        for alert, expr in alerts.items():
            if "itaclip_in_flight_requests" in expr:
                divisor = re.search(r"/\s*([0-9]+)", expr)
                if not divisor or divisor.group(1) != limit:
                    self.problem(f"alert {alert} is not written against max_pending_requests "
                                 f"{limit}")

        dashboards = [c for c in self.of_kind("ConfigMap")
                      if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
        if not dashboards:
            self.problem("no Grafana dashboard ConfigMap (label grafana_dashboard=1)")
        shown = set()
        for config_map in dashboards:
            for file_name, text in config_map.get("data", {}).items():
                dashboard = json.loads(text)
                for variable in dashboard.get("templating", {}).get("list", []):
                    query = variable.get("query")
                    if isinstance(query, dict):
                        query = query.get("query", "")
                    self.check_promql(f"dashboard variable {variable['name']}", str(query), names,
                                      methods)
                for panel in dashboard.get("panels", []):
                    for target in panel.get("targets", []):
                        expr = target.get("expr", "")
                        self.check_promql(f'dashboard panel "{panel["title"]}"', expr, names,
                                          methods)
                        shown.update(re.findall(r"\bitaclip_[A-Za-z0-9_]+", expr))
        for metric, kind in sorted(metrics.items()):
            series = {metric + s for s in ("_bucket", "_sum", "_count")} \
                if kind == "histogram" else {metric}
            if dashboards and not series & shown:
                self.problem(f"the dashboard does not show {metric}")

        for rule in adapter_rules(self.repo):
            self.check_promql("prometheus-adapter rule", rule["seriesQuery"], names, methods)
            self.check_promql("prometheus-adapter rule", rule["name"]["as"], names, methods)

    def check_device(self, container):
        args = container.get("args", [])
        resources = container.get("resources", {})
        gpus = resources.get("limits", {}).get("nvidia.com/gpu")
        workload, _ = self.server()
        pod = workload["spec"]["template"]["spec"]
        if self.name == "gpu":
            if not gpus or int(gpus) < 1:
                self.problem("the gpu overlay's server requests no nvidia.com/gpu")
            requested = resources.get("requests", {}).get("nvidia.com/gpu")
            if requested is not None and requested != gpus:
                self.problem("nvidia.com/gpu requests differ from limits")
            if "--model_device=cuda" not in args:
                self.problem("the gpu overlay's server does not run --model_device=cuda")
            if not any(t.get("key") == "nvidia.com/gpu" for t in pod.get("tolerations", [])):
                self.problem("the gpu overlay's pods do not tolerate the nvidia.com/gpu taint")
        elif self.name == "cpu":
            if gpus:
                self.problem("the cpu overlay's server requests nvidia.com/gpu")
            if "--model_device=cpu" not in args:
                self.problem("the cpu overlay's server does not run --model_device=cpu")
            threads = [int(a.split("=", 1)[1]) for a in args if a.startswith("--cpu_threads=")]
            limit = str(resources.get("limits", {}).get("cpu", "0"))
            cores = float(limit[:-1]) / 1000 if limit.endswith("m") else float(limit)
            if not threads:
                self.problem("the cpu overlay does not set --cpu_threads (LibTorch would start "
                             "one thread per node core)")
            elif threads[0] > cores:
                self.problem(f"--cpu_threads={threads[0]} exceeds the CPU limit {limit}")

    def check_redis(self, config, server_labels, grpc_port, metrics_port, http_port):
        address = textproto_value(config, "address")
        if address:
            host, port = address.rsplit(":", 1)
            service = self.one("Service", host.split(".")[0])
            if service is None:
                self.problem(f"the config's Redis {address} is no Service of the manifests")
            elif int(port) not in [p["port"] for p in service["spec"]["ports"]]:
                self.problem(f"Service {host} has no port {port}")
        policies = [p for p in self.of_kind("NetworkPolicy")
                    if all(server_labels.get(k) == v
                           for k, v in p["spec"]["podSelector"].get("matchLabels", {}).items())]
        if not policies:
            self.problem("no NetworkPolicy selects the server pods")
            return
        allowed = {port.get("port") for p in policies for rule in p["spec"].get("ingress", [])
                   for port in rule.get("ports", [])}
        for port in (grpc_port, metrics_port, http_port):
            if port is not None and port not in allowed:
                self.problem(f"no NetworkPolicy lets traffic in on port {port}")
        if address:
            egress = {port.get("port") for p in policies for rule in p["spec"].get("egress", [])
                      for port in rule.get("ports", [])}
            if int(address.rsplit(":", 1)[1]) not in egress:
                self.problem(f"the NetworkPolicy does not let the server reach Redis at {address}")

    def check_image(self):
        """The containers that run the itaclip image agree with what the Dockerfile builds: its
        programs, its user, its ports, its model folder, and a writable $HOME."""
        facts = image_facts(self.repo)
        programs = installed_programs(self.repo)
        uids = {int(u.split(":")[0]) for u in facts["user"] if u.split(":")[0].isdigit()}
        gids = {int(u.split(":")[1]) for u in facts["user"] if ":" in u}
        if len(uids) != 1:
            self.problem(f"the Dockerfile's runtime targets run as {sorted(facts['user'])}, not "
                         "one numeric uid")
            return
        uid = uids.pop()
        model_dirs = facts["env"].get("ITACLIP_MODEL_DIR", set())
        homes = facts["env"].get("HOME", set())
        for workload in self.docs:
            if workload.get("kind") not in WORKLOAD_KINDS:
                continue
            pod = workload["spec"]["template"]["spec"]
            pod_context = pod.get("securityContext", {})
            label = f'{workload["kind"]} {workload["metadata"]["name"]}'
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                program = (container.get("command") or [""])[0]
                if not program.startswith("itaclip"):
                    continue
                where = f'{label} container {container["name"]}'
                if program not in programs:
                    self.problem(f"{where} runs {program}, which the image does not install "
                                 f"({', '.join(sorted(programs))})")
                context = container.get("securityContext", {})
                user = context.get("runAsUser", pod_context.get("runAsUser"))
                if user != uid:
                    self.problem(f"{where} runs as uid {user}, the image's user is {uid} "
                                 "(files the image prepares for it, /models, belong to it)")
                group = context.get("runAsGroup", pod_context.get("runAsGroup"))
                if gids and group not in gids:
                    self.problem(f"{where} runs as gid {group}, the image's group is "
                                 f"{sorted(gids)}")
                for port in container.get("ports", []):
                    if port.get("containerPort") not in facts["ports"]:
                        self.problem(f'{where} declares port {port.get("containerPort")}, which the '
                                     f"image does not expose ({sorted(facts['ports'])})")
                mounts = {m["mountPath"].rstrip("/"): m for m in container.get("volumeMounts", [])}
                for directory in model_dirs:
                    if directory not in mounts:
                        self.problem(f"{where} mounts no volume at the image's model folder "
                                     f"{directory} (ITACLIP_MODEL_DIR)")
                env = {e["name"]: e.get("value") for e in container.get("env", [])}
                home = env.get("HOME") or next(iter(homes), None)
                if home and (home not in mounts or mounts[home].get("readOnly")):
                    self.problem(f"{where}: $HOME {home} is not a writable volume (the root "
                                 "filesystem is read-only)")

    def check_schemas(self):
        found = kube_schema.problems(self.docs)
        for text in found:
            self.problem(text)
        return not found

    def run(self):
        # The other checks read fields the schema guarantees: only valid objects get that far.
        if not self.check_schemas():
            return self.problems
        self.check_pods()
        self.check_image()
        self.check_server()
        return self.problems


def check(repo, name, docs):
    return Checker(repo, name, docs).run()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "../.."))
    parser.add_argument("--out", help="write each rendered overlay to OUT/NAME.yaml")
    parser.add_argument("--rendered", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("overlays", nargs="*")
    args = parser.parse_args()
    if not args.overlays and not args.rendered:
        parser.error("name an overlay or give --rendered NAME=FILE")
    kubectl = os.environ.get("KUBECTL", "kubectl")
    inputs = []
    for overlay in args.overlays:
        try:
            text = render(args.repo, overlay, kubectl)
        except (RuntimeError, OSError) as error:
            print(error, file=sys.stderr)
            return 2
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, overlay + ".yaml"), "w") as out:
                out.write(text)
        inputs.append((overlay, text))
    for item in args.rendered:
        name, _, path = item.partition("=")
        with open(path) as file:
            inputs.append((name, file.read()))
    problems = []
    for name, text in inputs:
        problems += check(args.repo, name, load(text))
    for problem in problems:
        print(problem)
    names = ", ".join(name for name, _ in inputs)
    if problems:
        print(f"{len(problems)} problems in {names}")
        return 1
    print(f"manifests ok: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
