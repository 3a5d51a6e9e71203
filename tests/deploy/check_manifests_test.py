#!/usr/bin/env python3
"""The manifest checker itself: it passes the real overlays, and each way of breaking them that it
guards against (a mutation of the rendered cpu or gpu overlay) makes it report that problem; a
hand-written broken manifest (fixtures/broken-server.yaml) fails the command line.

  usage: check_manifests_test.py   (renders the overlays with $KUBECTL, default kubectl)
"""

import copy
import os
import re
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_manifests  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
KUBECTL = os.environ.get("KUBECTL", "kubectl")
RENDERED = {name: check_manifests.load(check_manifests.render(REPO, name, KUBECTL))
            for name in ("cpu", "gpu")}


def find(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def server_pod(docs):
    return find(docs, "Deployment", "itaclip")["spec"]["template"]["spec"]


def server_container(docs):
    return server_pod(docs)["containers"][0]


def config_map(docs):
    return next(d for d in docs if d["kind"] == "ConfigMap" and
                d["metadata"]["name"].startswith("itaclip-config"))


def rule_expr(docs, alert):
    rules = find(docs, "PrometheusRule", "itaclip")["spec"]["groups"][0]["rules"]
    return next(r for r in rules if r.get("alert") == alert)


class CheckerTest(unittest.TestCase):
    def problems(self, mutate, overlay="cpu"):
        docs = copy.deepcopy(RENDERED[overlay])
        mutate(docs)
        return check_manifests.check(REPO, overlay, docs)

    def assertFlags(self, mutate, pattern, overlay="cpu"):
        problems = self.problems(mutate, overlay)
        self.assertTrue(any(re.search(pattern, p) for p in problems),
                        f"expected a problem matching {pattern!r}, got {problems}")

    def test_the_real_overlays_pass(self):
        for name, docs in RENDERED.items():
            self.assertEqual(check_manifests.check(REPO, name, docs), [], name)

    def test_the_metric_names_come_from_the_server_source(self):
        metrics = check_manifests.exported_metrics(REPO)
        # A few of each kind, typed in from the README's metrics list.
        self.assertEqual(metrics["itaclip_requests_total"], "counter")
        self.assertEqual(metrics["itaclip_request_seconds"], "histogram")
        self.assertEqual(metrics["itaclip_queue_depth"], "gauge")
        self.assertEqual(metrics["itaclip_vocabulary_store_up"], "gauge")
        self.assertEqual(metrics["itaclip_vocabulary_cache_hits_total"], "counter")
        names = check_manifests.series_names(metrics)
        self.assertIn("itaclip_request_seconds_bucket", names)
        self.assertNotIn("itaclip_request_seconds", names)
        self.assertNotIn("itaclip_queue_depth_bucket", names)

    def test_missing_security_context_fields(self):
        def drop_read_only(docs):
            del server_container(docs)["securityContext"]["readOnlyRootFilesystem"]
        self.assertFlags(drop_read_only, r"container server: readOnlyRootFilesystem is not true")

        def escalate_init(docs):
            server_pod(docs)["initContainers"][0]["securityContext"][
                "allowPrivilegeEscalation"] = True
        self.assertFlags(escalate_init,
                         r"container fetch-model: allowPrivilegeEscalation is not false")

        def keep_capabilities(docs):
            redis = find(docs, "Deployment", "itaclip-redis")["spec"]["template"]["spec"]
            redis["containers"][0]["securityContext"]["capabilities"]["drop"] = ["NET_RAW"]
            del redis["securityContext"]["runAsNonRoot"]
            del redis["containers"][0]["securityContext"]["runAsNonRoot"]
        self.assertFlags(keep_capabilities, r"container redis: capabilities do not drop ALL")
        self.assertFlags(keep_capabilities, r"container redis: runAsNonRoot is not true")

    def test_missing_resources_and_probes(self):
        def no_memory_limit(docs):
            del server_pod(docs)["initContainers"][0]["resources"]["limits"]["memory"]
        self.assertFlags(no_memory_limit, r"fetch-model: no memory in resources.limits")

        def no_startup_probe(docs):
            del find(docs, "Deployment", "itaclip-redis")["spec"]["template"]["spec"][
                "containers"][0]["startupProbe"]
        self.assertFlags(no_startup_probe, r"container redis: no startupProbe")

    def test_probes_must_be_grpc_on_the_listen_port_and_service(self):
        def http_probe(docs):
            server_container(docs)["livenessProbe"] = {"httpGet": {"port": 9464, "path": "/"}}
        self.assertFlags(http_probe, r"livenessProbe is not a gRPC probe")

        def wrong_port(docs):
            server_container(docs)["readinessProbe"]["grpc"]["port"] = 50052
        self.assertFlags(wrong_port, r"readinessProbe probes port 50052, but the server listens "
                                     r"on 50051")

        def moved_listen_port(docs):  # the config moves, the manifests do not follow
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                '"0.0.0.0:50051"', '"0.0.0.0:6000"')
        self.assertFlags(moved_listen_port, r"startupProbe probes port 50051, but the server "
                                            r"listens on 6000")
        self.assertFlags(moved_listen_port, r"port grpc targets 50051, the server listens on 6000")

        def unknown_service(docs):
            server_container(docs)["readinessProbe"]["grpc"]["service"] = "itaclip.Segmentation"
        self.assertFlags(unknown_service, r"health service 'itaclip.Segmentation'")

    def test_services_and_monitor_follow_the_config_ports(self):
        def metrics_moved(docs):
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                '"0.0.0.0:9464"', '"0.0.0.0:9000"')
        self.assertFlags(metrics_moved, r"port metrics targets 9464, the metrics endpoint is on "
                                        r"9000")

        def http_moved(docs):
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                '"0.0.0.0:8080"', '"0.0.0.0:8000"')
        self.assertFlags(http_moved, r"does not declare HTTP port 8000")
        self.assertFlags(http_moved, r"port http targets 8080, the HTTP/JSON API is on 8000")

        def two_scraped(docs):
            find(docs, "Service", "itaclip-headless")["metadata"]["labels"][
                "itaclip/scrape"] = "true"
        self.assertFlags(two_scraped, r"ServiceMonitor itaclip selects 2 server Services")

        def no_headless(docs):
            docs.remove(find(docs, "Service", "itaclip-headless"))
        self.assertFlags(no_headless, r"no headless Service")

    def test_model_fetch_matches_the_config_and_the_volume(self):
        def other_checkpoint(docs):
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                "/models/ViT-B-16.pt", "/models/ViT-L-14.pt")
        self.assertFlags(other_checkpoint, r"loads /models/ViT-L-14.pt, which the init container "
                                           r"does not fetch")

        def wrong_digest(docs):
            args = server_pod(docs)["initContainers"][0]["args"]
            args[2] = "0" * 64
        self.assertFlags(wrong_digest, r"not the official sha256 5806e77c")

        def writable_model(docs):
            for mount in server_container(docs)["volumeMounts"]:
                if mount["mountPath"] == "/models":
                    mount["readOnly"] = False
        self.assertFlags(writable_model, r"mounts the model volume /models writable")

    def test_server_arguments_are_real_flags(self):
        def typo(docs):
            server_container(docs)["args"].append("--max_batch_crop=8")
        self.assertFlags(typo, r"passes --max_batch_crop, which itaclip-server does not define")

        def configs_elsewhere(docs):
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                "/usr/local/share/itaclip/configs", "/usr/share/itaclip/configs")
        self.assertFlags(configs_elsewhere, r"configs_dir /usr/share/itaclip/configs is not where "
                                            r"the image installs")

    def test_shutdown_budget(self):
        def short_grace(docs):
            server_pod(docs)["terminationGracePeriodSeconds"] = 20
        self.assertFlags(short_grace, r"terminationGracePeriodSeconds 20 < preStop 5 s \+ "
                                      r"drain_grace_seconds 20 s")

    def test_monitoring_names_metrics_codes_and_methods_that_exist(self):
        def typo(docs):
            rule_expr(docs, "ItaclipHighErrorRate")["expr"] = \
                "sum(rate(itaclip_request_total[5m])) > 0"
        self.assertFlags(typo, r"alert ItaclipHighErrorRate uses itaclip_request_total")

        def bare_histogram(docs):
            rule_expr(docs, "ItaclipSegmentLatencyHigh")["expr"] = "itaclip_model_seconds > 1"
        self.assertFlags(bare_histogram, r"uses itaclip_model_seconds, which the server does not")

        def bad_code(docs):
            rule_expr(docs, "ItaclipShedding")["expr"] = \
                'rate(itaclip_requests_total{code="OVERLOADED", method="Segment"}[5m]) > 0'
        self.assertFlags(bad_code, r"filters on code OVERLOADED")

        def bad_method(docs):
            rule_expr(docs, "ItaclipShedding")["expr"] = \
                'rate(itaclip_requests_total{code="RESOURCE_EXHAUSTED", method="Predict"}[5m]) > 0'
        self.assertFlags(bad_method, r"filters on method Predict")

        def saturation_constant(docs):
            data = config_map(docs)["data"]
            data["itaclip-server.textproto"] = data["itaclip-server.textproto"].replace(
                "max_pending_requests: 64", "max_pending_requests: 128")
        self.assertFlags(saturation_constant, r"ItaclipQueueSaturated is not written against "
                                              r"max_pending_requests 128")

        def no_memory_alert(docs):
            rules = find(docs, "PrometheusRule", "itaclip")["spec"]["groups"][0]["rules"]
            rules[:] = [r for r in rules if r.get("alert") != "ItaclipDeviceMemoryHigh"]
        self.assertFlags(no_memory_alert, r"no device memory alert")

        def dashboard_typo(docs):
            dashboard = next(d for d in docs if d["kind"] == "ConfigMap" and
                             d["metadata"]["name"] == "itaclip-grafana-dashboard")
            key = next(iter(dashboard["data"]))
            dashboard["data"][key] = dashboard["data"][key].replace(
                "itaclip_device_memory_bytes", "itaclip_gpu_memory_bytes")
        self.assertFlags(dashboard_typo, r'panel "Device memory per pod" uses '
                                         r"itaclip_gpu_memory_bytes")
        self.assertFlags(dashboard_typo, r"the dashboard does not show itaclip_device_memory_bytes")

    def test_hpa_metric_is_an_exported_gauge_served_by_the_adapter(self):
        def histogram_metric(docs):
            find(docs, "HorizontalPodAutoscaler", "itaclip")["spec"]["metrics"][0]["pods"][
                "metric"]["name"] = "itaclip_queue_seconds"
        self.assertFlags(histogram_metric, r"scales on itaclip_queue_seconds, which is not a gauge")
        self.assertFlags(histogram_metric, r"which the prometheus-adapter rules do not serve")

        def one_replica(docs):
            find(docs, "HorizontalPodAutoscaler", "itaclip")["spec"]["minReplicas"] = 1
        self.assertFlags(one_replica, r"minReplicas < 2")

    def test_device_overlays(self):
        def no_gpu(docs):
            resources = server_container(docs)["resources"]
            del resources["limits"]["nvidia.com/gpu"]
            del resources["requests"]["nvidia.com/gpu"]
        self.assertFlags(no_gpu, r"gpu: the gpu overlay's server requests no nvidia.com/gpu", "gpu")

        def no_toleration(docs):
            server_pod(docs)["tolerations"] = []
        self.assertFlags(no_toleration, r"do not tolerate the nvidia.com/gpu taint", "gpu")

        def auto_device(docs):
            args = server_container(docs)["args"]
            args.remove("--model_device=cuda")
        self.assertFlags(auto_device, r"does not run --model_device=cuda", "gpu")

        def oversubscribed(docs):
            args = server_container(docs)["args"]
            args[args.index("--cpu_threads=4")] = "--cpu_threads=16"
        self.assertFlags(oversubscribed, r"--cpu_threads=16 exceeds the CPU limit 4")

    def test_redis_and_network_policy(self):
        def no_redis_service(docs):
            docs.remove(find(docs, "Service", "itaclip-redis"))
        self.assertFlags(no_redis_service, r"Redis itaclip-redis:6379 is no Service")

        def no_redis_egress(docs):
            policy = find(docs, "NetworkPolicy", "itaclip")
            policy["spec"]["egress"] = [r for r in policy["spec"]["egress"]
                                        if r["ports"][0]["port"] != 6379]
        self.assertFlags(no_redis_egress, r"does not let the server reach Redis")

        def no_metrics_ingress(docs):
            policy = find(docs, "NetworkPolicy", "itaclip")
            policy["spec"]["ingress"] = policy["spec"]["ingress"][:1]
        self.assertFlags(no_metrics_ingress, r"no NetworkPolicy lets traffic in on port 9464")

    def test_every_object_is_checked_against_the_kubernetes_schema(self):
        def misspelt_field(docs):  # the API server would drop it silently (non-strict decoding)
            port = server_container(docs)["ports"][0]
            port["containerport"] = port.pop("containerPort")
        self.assertFlags(misspelt_field, r"Deployment itaclip \(apps/v1\) does not validate "
                                         r"against Kubernetes 1\.\d+'s schema at "
                                         r"spec\.template\.spec\.containers\.0\.ports\.0")

        def wrong_type(docs):
            find(docs, "PodDisruptionBudget", "itaclip")["spec"]["maxUnavailable"] = [1]
        self.assertFlags(wrong_type, r"PodDisruptionBudget itaclip .* at spec\.maxUnavailable")

        def string_port(docs):
            find(docs, "Service", "itaclip")["spec"]["ports"][0]["port"] = "50051"
        self.assertFlags(string_port, r"Service itaclip .* at spec\.ports\.0\.port: '50051' is "
                                      r"not of type 'integer'")

        def unknown_kind(docs):
            docs.append({"apiVersion": "v1", "kind": "Pdo", "metadata": {"name": "x"}})
        self.assertFlags(unknown_kind, r"Pdo x: Couldn't find schema for kind Pdo")

        def removed_api(docs):  # policy/v1beta1 PodDisruptionBudget is gone since 1.25
            find(docs, "PodDisruptionBudget", "itaclip")["apiVersion"] = "policy/v1beta1"
        self.assertFlags(removed_api, r"PodDisruptionBudget itaclip: Couldn't find schema")

    def test_the_schema_releases_are_the_newest_and_oldest_installed(self):
        import kube_schema  # noqa: E402 (beside check_manifests)
        newest, oldest = kube_schema.versions()
        major_minor = [tuple(int(x) for x in v.split(".")) for v in (newest, oldest)]
        self.assertGreaterEqual(major_minor[0], (1, 34), "a current Kubernetes release")
        self.assertLess(major_minor[1], major_minor[0])

    def test_the_manifests_match_the_image(self):
        self.assertEqual(check_manifests.image_facts(REPO)["user"], {"10001:10001"})
        self.assertEqual(check_manifests.image_facts(REPO)["ports"], {50051, 8080, 9464})
        self.assertEqual(check_manifests.image_facts(REPO)["env"]["ITACLIP_MODEL_DIR"],
                         {"/models"})
        self.assertLessEqual({"itaclip-server", "itaclip", "itaclip-fetch-model",
                              "itaclip-entrypoint"}, check_manifests.installed_programs(REPO))

        def other_user(docs):
            server_pod(docs)["securityContext"]["runAsUser"] = 1000
        self.assertFlags(other_user, r"container server runs as uid 1000, the image's user is "
                                     r"10001")

        def init_other_user(docs):
            server_pod(docs)["initContainers"][0]["securityContext"]["runAsUser"] = 1000
        self.assertFlags(init_other_user, r"container fetch-model runs as uid 1000")

        def model_elsewhere(docs):
            for container in server_pod(docs)["initContainers"] + server_pod(docs)["containers"]:
                for mount in container.get("volumeMounts", []):
                    if mount["mountPath"] == "/models":
                        mount["mountPath"] = "/weights"
        self.assertFlags(model_elsewhere, r"mounts no volume at the image's model folder /models")

        def unexposed_port(docs):
            server_container(docs)["ports"].append({"name": "debug", "containerPort": 6060})
        self.assertFlags(unexposed_port, r"declares port 6060, which the image does not expose")

        def unknown_program(docs):
            server_container(docs)["command"] = ["itaclip-serve"]
            server_pod(docs)["initContainers"][0]["command"] = ["itaclip-fetch"]
        self.assertFlags(unknown_program, r"runs itaclip-fetch, which the image does not install")

        def read_only_home(docs):
            for mount in server_container(docs)["volumeMounts"]:
                if mount["mountPath"] == "/tmp":
                    mount["readOnly"] = True
        self.assertFlags(read_only_home, r"container server: \$HOME /tmp is not a writable volume")

    def test_a_broken_fixture_fails_the_command(self):
        fixture = os.path.join(os.path.dirname(__file__), "fixtures/broken-server.yaml")
        result = subprocess.run(
            [sys.executable, os.path.join(os.path.dirname(__file__), "check_manifests.py"),
             "--repo", REPO, "--rendered", "cpu=" + fixture], capture_output=True, text=True)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        for expected in ("container server: no readinessProbe",
                         "container server: readOnlyRootFilesystem is not true",
                         "container server: no cpu in resources.limits",
                         "startupProbe probes port 8080, but the server listens on 50051"):
            self.assertIn(expected, result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=1)
