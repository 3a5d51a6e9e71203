"""Shared by the Python end-to-end tests: generates the message classes from proto/ with protoc at
test time (nothing generated is committed), starts the real itaclip-server binary and reads its
JSON log, and calls RPCs by their method path (no grpc_tools: Debian's python3-grpcio only).

Independent of the project's C++: the wire format comes from protoc's Python output and grpcio.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import grpc

# The subset of grpc/reflection/v1alpha/reflection.proto these tests use (field numbers as in the
# published file); Debian ships neither the file nor the Python reflection module.
REFLECTION_PROTO = """
syntax = "proto3";
package grpc.reflection.v1alpha;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    string list_services = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ServiceResponse { string name = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ErrorResponse {
  int32 error_code = 1;
  string error_message = 2;
}
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
"""

SERVICE = "itaclip.v1.SegmentationService"
# Score maps of large images exceed gRPC's 4 MiB default.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 256 << 20)]


class Protos:
    """The generated modules: vocabulary (pb), service messages (svc), health, reflection."""

    def __init__(self, proto_root, out_dir, protoc="protoc"):
        # grpc/health/v1/health.proto would generate a `grpc` package that shadows grpcio's: it is
        # compiled under another file name (the proto package, which is what goes on the wire,
        # stays grpc.health.v1).
        src = os.path.join(out_dir, "src")
        gen = os.path.join(out_dir, "gen")
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(src)
        os.makedirs(gen)
        shutil.copy(os.path.join(proto_root, "grpc", "health", "v1", "health.proto"),
                    os.path.join(src, "e2e_health.proto"))
        with open(os.path.join(src, "e2e_reflection.proto"), "w") as f:
            f.write(REFLECTION_PROTO)
        subprocess.run([protoc, "-I", proto_root, "-I", src, "--python_out=" + gen,
                        "itaclip/v1/vocabulary.proto", "itaclip/v1/segmentation_service.proto",
                        "e2e_health.proto", "e2e_reflection.proto"], check=True)
        sys.path.insert(0, gen)
        from itaclip.v1 import segmentation_service_pb2, vocabulary_pb2  # noqa: E402
        import e2e_health_pb2  # noqa: E402
        import e2e_reflection_pb2  # noqa: E402
        self.pb = vocabulary_pb2
        self.svc = segmentation_service_pb2
        self.health = e2e_health_pb2
        self.reflection = e2e_reflection_pb2


def unary(channel, service, method, response_class):
    return channel.unary_unary("/%s/%s" % (service, method),
                               request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_class.FromString)


class Server:
    """One itaclip-server process; its stderr (one JSON object a line) goes to `log_path`."""

    def __init__(self, binary, checkpoint, bpe, log_path, extra_args=()):
        self.log_path = log_path
        self.args = [binary, "--checkpoint", checkpoint, "--bpe_vocabulary", bpe,
                     "--listen", "127.0.0.1:0", "--metrics_listen", "127.0.0.1:0",
                     "--http_listen", "127.0.0.1:0",
                     "--cpu_threads", "1", "--model_device", "cpu"] + list(extra_args)
        self.log = open(log_path, "w")
        # Port 0: the kernel picks free ports and the "listening" event names them (no races).
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        self.metrics_port = None
        self.http_port = None

    def events(self):
        with open(self.log_path) as f:
            lines = f.read().splitlines()
        events = []
        for line in lines:
            if line.startswith("{"):
                events.append(json.loads(line))
        return events

    def event(self, name):
        for e in self.events():
            if e.get("event") == name:
                return e
        return None

    def wait_for_event(self, name, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            e = self.event(name)
            if e is not None:
                return e
            if self.process.poll() is not None:
                raise AssertionError("server exited (%d) before %s:\n%s" %
                                     (self.process.returncode, name, self.log_text()))
            time.sleep(0.05)
        raise AssertionError("no %s event within %d s:\n%s" % (name, timeout_s, self.log_text()))

    def wait_listening(self):
        listening = self.wait_for_event("listening")
        self.port = listening["port"]
        self.metrics_port = listening["metrics_port"]
        self.http_port = listening.get("http_port")
        return self

    def address(self):
        return "127.0.0.1:%d" % self.port

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def terminate(self, timeout_s=60):
        """SIGTERM, then the exit status (None if it did not exit within timeout_s)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def health_status(protos, channel, service="", timeout_s=2):
    check = unary(channel, "grpc.health.v1.Health", "Check", protos.health.HealthCheckResponse)
    return check(protos.health.HealthCheckRequest(service=service), timeout=timeout_s).status


def wait_serving(protos, channel, timeout_s=60):
    """Polls grpc.health.v1 until the server as a whole is SERVING."""
    serving = protos.health.HealthCheckResponse.SERVING
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = health_status(protos, channel)
            if last == serving:
                return
        except grpc.RpcError as e:
            last = e.code()
        time.sleep(0.1)
    raise AssertionError("health not SERVING within %d s (last: %s)" % (timeout_s, last))


def metrics_samples(port):
    """The samples of the /metrics page on `port`: {'name{labels}': value}."""
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def requests_total(samples, method, code="OK"):
    """itaclip_requests_total of `method` and `code` in `samples` (0 when absent)."""
    return samples.get('itaclip_requests_total{code="%s",method="%s"}' % (code, method), 0)


class Checks:
    """Counts failed checks and prints one line per check, so that one run reports them all."""

    def __init__(self):
        self.failures = 0

    def check(self, name, condition, detail=""):
        if condition:
            print("ok   " + name)
        else:
            print("FAIL %s: %s" % (name, detail))
            self.failures += 1
        return condition

    def exit_code(self):
        if self.failures:
            print("%d check(s) failed" % self.failures)
        return 1 if self.failures else 0
