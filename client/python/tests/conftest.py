"""Fixtures of the itaclip_client tests: real itaclip-server processes (the binary the build made,
on the tiny random checkpoint, on kernel-chosen ports read from the server's "listening" log event,
by tests/e2e/e2e_server.py), a TLS + bearer-token server with certificates made by openssl, and a
server with small limits for the RESOURCE_EXHAUSTED paths.

Environment (tests/run_in_fresh_venv.sh sets it; ctest test e2e.python_package):
  ITACLIP_SERVER, ITACLIP_CLI: the itaclip-server and itaclip binaries
  ITACLIP_CHECKPOINT: the tiny checkpoint (ctest fixture tiny_checkpoint)
  ITACLIP_SHARED_DIR: the shared/ folder (BPE file, VOC samples, descriptions)
  ITACLIP_SOURCE_DIR: the repository checkout
  ITACLIP_TEST_WORK: a scratch folder (optional; pytest's tmp dir otherwise)
"""
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

import itaclip_client as ic

REQUIRED = ("ITACLIP_SERVER", "ITACLIP_CLI", "ITACLIP_CHECKPOINT", "ITACLIP_SHARED_DIR",
            "ITACLIP_SOURCE_DIR")
# One 224 crop and no PAMR: fast on the tiny model, and still every stage of the pipeline.
FAST: Dict[str, object] = {"short_side": 224, "pamr_steps": 0}
TOKEN = "pyclient-test-token-0123456789"


def nowhere(work: Path) -> str:
    """A target where nothing listens, for certain: a Unix socket path that does not exist (a
    freed TCP port could be taken by a server of a test running beside), short enough for
    sun_path wherever the work folder is."""
    path = "/tmp/itaclip-pyclient-none-%d-%s.sock" % (os.getpid(), work.name)
    assert not os.path.exists(path)
    return "unix:" + path


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail("environment variable %s is not set (run tests/run_in_fresh_venv.sh, or set %s)"
                    % (name, ", ".join(REQUIRED)))
    return value


def _e2e_server_module():
    sys.path.insert(0, os.path.join(env("ITACLIP_SOURCE_DIR"), "tests", "e2e"))
    import e2e_server  # noqa: E402
    return e2e_server


class RunningServer:
    """An itaclip-server process and its address; `rpc_events()` reads its JSON log."""

    def __init__(self, work: Path, name: str, args: List[str]) -> None:
        e2e = _e2e_server_module()
        bpe = os.path.join(env("ITACLIP_SHARED_DIR"), "reference", "clip",
                           "bpe_simple_vocab_16e6.txt.gz")
        self.server = e2e.Server(env("ITACLIP_SERVER"), env("ITACLIP_CHECKPOINT"), bpe,
                                 str(work / (name + ".log")), args)
        self.server.wait_listening()
        self.address = self.server.address()
        self.metrics_port = self.server.metrics_port

    def wait_serving(self, **client_args: object) -> None:
        with ic.Client(self.address, **client_args) as c:  # type: ignore[arg-type]
            deadline = time.monotonic() + 120
            while True:
                try:
                    if c.health(timeout=2) == "SERVING":
                        return
                except ic.ItaclipError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("server not SERVING:\n" + self.server.log_text())
                time.sleep(0.1)

    def rpc_events(self) -> List[dict]:
        return [e for e in self.server.events() if e.get("event") == "rpc"]

    def stop(self) -> None:
        self.server.kill()


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = os.environ.get("ITACLIP_TEST_WORK")
    if base:
        path = Path(base)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("itaclip")


@pytest.fixture(scope="session")
def shared() -> Path:
    return Path(env("ITACLIP_SHARED_DIR"))


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return Path(env("ITACLIP_SOURCE_DIR"))


@pytest.fixture(scope="session")
def image_path(shared: Path) -> Path:
    return shared / "data" / "voc-samples" / "0.jpg"


@pytest.fixture(scope="session")
def server(work: Path) -> Iterator[RunningServer]:
    s = RunningServer(work, "server", ["--skip_warmup", "true"])
    try:
        s.wait_serving()
        yield s
    finally:
        s.stop()


@pytest.fixture
def client(server: RunningServer) -> Iterator[ic.Client]:
    with ic.Client(server.address, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def certificates(work: Path) -> Dict[str, Path]:
    """A CA, a server certificate for localhost / 127.0.0.1 signed by it (P-256: fast)."""
    d = work / "tls"
    d.mkdir(exist_ok=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    (d / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for args in (
            ["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                      "-subj", "/CN=itaclip pyclient test CA"],
            ["req"] + key + ["-keyout", "server.key", "-out", "server.csr", "-subj",
                             "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem"]):
        subprocess.run(["openssl"] + args, cwd=d, check=True, capture_output=True)
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


@pytest.fixture(scope="session")
def secure_server(work: Path, certificates: Dict[str, Path]) -> Iterator[RunningServer]:
    """TLS, and a bearer token required on every SegmentationService call."""
    tokens = work / "tokens.txt"
    tokens.write_text("some-other-token\n" + TOKEN + "\n")
    s = RunningServer(work, "secure_server", [
        "--skip_warmup", "true", "--tls_cert", str(certificates["cert"]),
        "--tls_key", str(certificates["key"]), "--bearer_tokens_file", str(tokens)])
    try:
        s.wait_serving(tls=str(certificates["ca"]))
        yield s
    finally:
        s.stop()


# The limits server: at most one call pending, and images of at most 300 000 pixels (the VOC
# samples, 513x513 = 263 169, pass; a 600x600 image does not).
MAX_DECODED_PIXELS = 300000


@pytest.fixture(scope="session")
def limited_server(work: Path) -> Iterator[RunningServer]:
    config = work / "limited.textproto"
    config.write_text("limits { max_decoded_pixels: %d }\n" % MAX_DECODED_PIXELS)
    s = RunningServer(work, "limited_server", ["--skip_warmup", "true", "--config", str(config),
                                               "--max_pending_requests", "1"])
    try:
        s.wait_serving()
        yield s
    finally:
        s.stop()


def wait_in_flight(server: RunningServer, calls: int = 1, timeout_s: float = 60) -> None:
    """Waits until the server has `calls` calls admitted and unanswered."""
    deadline = time.monotonic() + timeout_s
    while in_flight(server) < calls:
        if time.monotonic() > deadline:
            raise AssertionError("fewer than %d calls in flight after %g s" % (calls, timeout_s))
        time.sleep(0.02)


def in_flight(server: RunningServer) -> float:
    """itaclip_in_flight_requests from the server's /metrics page."""
    import urllib.request
    url = "http://127.0.0.1:%d/metrics" % server.metrics_port
    for line in urllib.request.urlopen(url, timeout=10).read().decode().splitlines():
        if line.startswith("itaclip_in_flight_requests"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
