"""Container smoke test of the CPU image (podman + runc, host network, no registry).

The image itself: runs as uid 10001, the entry point runs the command it is given, the runtime
holds no compiler, headers or static libraries, every Debian package of deploy/docker/ is
installed, and every library the programs link comes from one of them (or from the base's C and
C++ runtime).

The server in it, driven from outside by the host build's `itaclip` client, beside the host build's
own itaclip-server on the same tiny checkpoint and BPE file:
(1) `podman run IMAGE itaclip-server FLAGS...` reaches health SERVING (the time is printed and
    held to --max-startup-s);
(2) VOC21 with its descriptions registers under the same id as on the host server, and one sample
    image segments to the same labels, with scores within --max-score-diff of the host's;
(3) /metrics counts those calls;
(4) `podman stop` (SIGTERM to PID 1) ends it with exit 0; a new container on the same store volume
    lists the vocabulary and segments by its id to the same labels;
(5) SIGTERM with a call in flight: the call is answered, the container exits 0 within the grace
    period and its log says it finished within grace.

usage: container_smoke.py --image IMAGE --server HOST_ITACLIP_SERVER --client HOST_ITACLIP
                          --checkpoint CHECKPOINT --work WORKDIR
(env ITACLIP_SHARED_DIR: the shared/ folder with the BPE file, the class list and the VOC samples)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Dict, List, Optional

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2e_server  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PODMAN = ["podman", "--runtime", "runc"]
# runc cannot raise the open-files limit on these machines; these fit any host (see README).
RUN_FLAGS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "host"]
UID = "10001"
# One 224 crop and no PAMR: the comparison call. The voc21 preset as it is (a sliding window and
# PAMR, seconds on one thread): the call in flight while the container is stopped.
FAST = "short_side=224,pamr_steps=0"
SLOW = ""
GRACE_S = 60
# C and C++ runtime of the base image itself (apt needs them; not in the lists).
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# Where check_image copies files out of the image (set by main).
WORK_FILES: List[str] = []


def run(cmd: List[str], timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, check=check)


def listed_packages(*names: str) -> List[str]:
    packages = []
    for name in names:
        with open(os.path.join(REPO, "deploy", "docker", name)) as f:
            packages += [line.strip() for line in f
                         if line.strip() and not line.lstrip().startswith("#")]
    return packages


class Container:
    """One detached container of the image running itaclip-server on kernel-chosen ports."""

    def __init__(self, image: str, name: str, mounts: List[str], server_args: List[str]):
        self.name = name
        run(PODMAN + ["rm", "-f", name])
        self.started = time.monotonic()
        cmd = (PODMAN + ["run", "-d", "--name", name] + RUN_FLAGS + mounts +
               [image, "itaclip-server"] + server_args)
        out = run(cmd, timeout=120)
        if out.returncode != 0:
            raise AssertionError("podman run failed (%d): %s" % (out.returncode, out.stderr))
        self.port = None
        self.metrics_port = None
        self.http_port = None

    def logs(self) -> str:
        out = run(PODMAN + ["logs", self.name])
        return out.stdout + out.stderr

    def events(self) -> List[dict]:
        return [json.loads(line) for line in self.logs().splitlines() if line.startswith("{")]

    def state(self) -> dict:
        out = run(PODMAN + ["inspect", self.name, "--format", "{{json .State}}"])
        return json.loads(out.stdout) if out.returncode == 0 else {}

    def wait_listening(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == "listening":
                    self.port, self.metrics_port = e["port"], e["metrics_port"]
                    self.http_port = e.get("http_port")
                    return
            if self.state().get("Status") == "exited":
                raise AssertionError("container exited before listening:\n" + self.logs())
            time.sleep(0.1)
        raise AssertionError("no listening event within %d s:\n%s" % (timeout_s, self.logs()))

    def address(self) -> str:
        return "127.0.0.1:%d" % self.port

    def stop(self, timeout_s: int) -> Optional[int]:
        """podman stop (SIGTERM, SIGKILL after timeout_s); the container's exit code."""
        run(PODMAN + ["stop", "-t", str(timeout_s), self.name], timeout=timeout_s + 60)
        state = self.state()
        return state.get("ExitCode") if state.get("Status") == "exited" else None

    def remove(self) -> None:
        run(PODMAN + ["rm", "-f", self.name])


def wait_serving(client: str, address: str, timeout_s: float) -> bool:
    """`itaclip health` (the image's HEALTHCHECK command) until it says SERVING."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if run([client, "health", "--server", address, "--timeout_s", "2"]).returncode == 0:
            return True
        time.sleep(0.05)
    return False


class Segmenter:
    """The host build's `itaclip` client: register and segment against a server address."""

    def __init__(self, client: str, shared: str, image: str, work: str):
        self.client, self.image, self.work = client, image, work
        ref = os.path.join(shared, "reference", "itaclip")
        self.vocab_args = ["--classes", os.path.join(ref, "cls_voc21.txt"), "--descriptions",
                           os.path.join(ref, "llama_generated_texts", "voc21_definitions.txt"),
                           "--background_first"]

    def register(self, address: str) -> subprocess.CompletedProcess:
        return run([self.client, "register", "--server", address, "--display_name", "voc21"] +
                   self.vocab_args, timeout=300)

    def segment_cmd(self, address: str, vocabulary: str, tag: str, settings: str) -> List[str]:
        # float32 scores: the default float16 would round both sides' differences to 2^-11.
        return ([self.client, "segment", "--server", address, "--image", self.image,
                 "--vocabulary", vocabulary, "--quiet", "--score_format", "float32",
                 "--out", os.path.join(self.work, tag + ".png"),
                 "--scores", os.path.join(self.work, tag + ".npy")] +
                (["--set", settings] if settings else []))

    def segment(self, address: str, vocabulary: str, tag: str) -> subprocess.CompletedProcess:
        return run(self.segment_cmd(address, vocabulary, tag, FAST), timeout=300)

    def outputs(self, tag: str):
        labels = cv2.imread(os.path.join(self.work, tag + ".png"), cv2.IMREAD_UNCHANGED)
        path = os.path.join(self.work, tag + ".npy")
        return labels, (np.load(path) if os.path.exists(path) else None)


def check_image(c: e2e_server.Checks, image: str) -> None:
    """What the image holds and how it runs commands."""
    inspect = json.loads(run(PODMAN + ["image", "inspect", image], check=True).stdout)[0]
    config = inspect.get("Config", {})
    size = int(inspect.get("Size", 0))
    print("image %s: %d bytes (%.0f MB)" % (image, size, size / 1e6))
    c.check("image runs as uid %s" % UID, config.get("User", "").split(":")[0] == UID,
            config.get("User"))
    c.check("image entry point is itaclip-entrypoint",
            config.get("Entrypoint") == ["itaclip-entrypoint"], config.get("Entrypoint"))
    out = run(PODMAN + ["run", "--rm"] + RUN_FLAGS + [image, "id", "-u"])
    c.check("podman run IMAGE id -u: the command runs, as %s" % UID,
            out.returncode == 0 and out.stdout.strip() == UID, out.stdout + out.stderr)
    out = run(PODMAN + ["run", "--rm"] + RUN_FLAGS +
              [image, "itaclip-server", "--checkpoint", "/nonexistent/model.safetensors",
               "--bpe_vocabulary", "/nonexistent/vocab.txt.gz", "--listen", "127.0.0.1:0",
               "--metrics_listen", "none", "--http_listen", "none"])
    # The model bundle checks the cheap files (the tokenizer) before the checkpoint: either
    # missing file named proves the flags reached the server.
    c.check("podman run IMAGE itaclip-server FLAGS: the server gets exactly those flags "
            "(files that do not exist: an error naming one of them)",
            out.returncode not in (0, 125, 126, 127) and
            ("/nonexistent/model.safetensors" in out.stderr or
             "/nonexistent/vocab.txt.gz" in out.stderr), out.stderr[-2000:])

    lists = ["runtime-packages.txt", "runtime-packages-cpu.txt"]
    packages = listed_packages(*lists)
    # The libraries the two programs link directly, read from copies of the image's files on this
    # side (the runtime has no binutils).
    sonames = set()
    copy = run(PODMAN + ["create", "--name", "itaclip-smoke-files", image], check=True)
    try:
        for program in ("itaclip-server", "itaclip"):
            local = os.path.join(WORK_FILES[0], program)
            run(PODMAN + ["cp", "itaclip-smoke-files:/usr/local/bin/" + program, local], check=True)
            dynamic = run(["readelf", "-d", local], check=True).stdout
            sonames |= set(re.findall(r"Shared library: \[(.*?)\]", dynamic))
    finally:
        run(PODMAN + ["rm", "-f", copy.stdout.strip()])
    # One shell in the image: every listed package installed; for each of those libraries, the
    # package that owns the file it resolves to; nothing unresolved; no compiler, headers, static
    # libraries, and none of the libraries install-runtime-packages.sh stands in for.
    script = r"""
set -u
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    echo "notinstalled $p"
done
for b in /usr/local/bin/itaclip-server /usr/local/bin/itaclip; do
  ldd "$b" | grep -F 'not found' | sed 's/^/unresolved /'
done
for soname in $SONAMES; do
  path=$(ldd /usr/local/bin/itaclip-server /usr/local/bin/itaclip |
         awk -v n="$soname" '$1 == n {print $3; exit}')
  real=$(readlink -f "$path")
  owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null)
  echo "owner $soname ${owner%%:*}"
done
for tool in cc c++ gcc g++ cmake ninja ld nvcc; do
  command -v "$tool" >/dev/null && echo "tool $tool"
done
ls /usr/include 2>/dev/null | head -n 3 | sed 's/^/header /'
find /usr /opt -name '*.a' 2>/dev/null | head -n 3 | sed 's/^/static /'
ls /usr/lib/*/libamdhip64.so* /usr/lib/*/libhsa-runtime64.so* /usr/lib/*/libLLVM* \
   /usr/lib/*/libgallium* 2>/dev/null | sed 's/^/unused /'
true
"""
    out = run(PODMAN + ["run", "--rm", "--entrypoint", "/bin/bash",
                        "-e", "PACKAGES=" + " ".join(packages),
                        "-e", "SONAMES=" + " ".join(sorted(sonames))] + RUN_FLAGS +
              [image, "-c", script], timeout=300)
    lines = out.stdout.splitlines()
    by_kind: Dict[str, List[str]] = {}
    for line in lines:
        kind, _, rest = line.partition(" ")
        by_kind.setdefault(kind, []).append(rest)
    c.check("every listed runtime package is installed in the image",
            out.returncode == 0 and not by_kind.get("notinstalled"), by_kind.get("notinstalled"))
    c.check("every library the programs need resolves in the image",
            not by_kind.get("unresolved"), by_kind.get("unresolved"))
    owners = by_kind.get("owner", [])
    stray = [o for o in owners if o.split(" ")[-1] not in set(packages) | BASE_PACKAGES]
    c.check("the programs' direct libraries (%d) all come from the listed packages" % len(owners),
            len(owners) > 10 and not stray, stray or owners)
    for kind, what in (("tool", "compiler or build tool"), ("header", "headers in /usr/include"),
                       ("static", "static library"),
                       ("unused", "ROCm, Mesa or LLVM library (stood in for)")):
        c.check("runtime image holds no %s" % what, not by_kind.get(kind), by_kind.get(kind))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--server", required=True, help="the host build's itaclip-server")
    ap.add_argument("--client", required=True, help="the host build's itaclip")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sample", default="0.jpg", help="image of shared/data/voc-samples")
    ap.add_argument("--max-startup-s", type=float, default=20.0,
                    help="limit on podman run -> health SERVING: the goal is 10 s, measured 4.5 s "
                         "on an idle 2-core machine; the limit leaves room for a busy one")
    ap.add_argument("--max-score-diff", type=float, default=1e-4,
                    help="limit on |score(image) - score(host)| per pixel and class")
    args = ap.parse_args()
    shared = os.environ["ITACLIP_SHARED_DIR"]
    bpe = os.path.join(shared, "reference", "clip", "bpe_simple_vocab_16e6.txt.gz")
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    models, store = os.path.join(work, "models"), os.path.join(work, "store")
    os.makedirs(models)
    os.makedirs(store)
    # The image's user must read the model folder and write the store (a bind mount keeps the
    # host's owners).
    checkpoint_name = os.path.basename(args.checkpoint)
    shutil.copy(args.checkpoint, os.path.join(models, checkpoint_name))
    shutil.copy(bpe, os.path.join(models, os.path.basename(bpe)))
    os.chmod(models, 0o755)
    os.chown(store, int(UID), int(UID))
    WORK_FILES.append(work)
    mounts = ["-v", models + ":/models:ro", "-v", store + ":/data"]
    server_args = ["--checkpoint", "/models/" + checkpoint_name,
                   "--bpe_vocabulary", "/models/" + os.path.basename(bpe),
                   "--listen", "127.0.0.1:0", "--metrics_listen", "127.0.0.1:0",
                   "--http_listen", "127.0.0.1:0", "--store_dir", "/data", "--cpu_threads", "1",
                   "--model_device", "cpu",
                   "--drain_grace_seconds", str(GRACE_S)]
    image_path = os.path.join(shared, "data", "voc-samples", args.sample)
    seg = Segmenter(args.client, shared, image_path, work)
    c = e2e_server.Checks()
    containers: List[Container] = []
    host: Optional[e2e_server.Server] = None
    try:
        check_image(c, args.image)

        # --- the host build's answer ---------------------------------------------------------
        host = e2e_server.Server(args.server, args.checkpoint, bpe, os.path.join(work, "host.log"),
                                 ["--skip_warmup", "true"]).wait_listening()
        if not wait_serving(args.client, host.address(), 60):
            raise AssertionError("host server not SERVING:\n" + host.log_text())
        reg = seg.register(host.address())
        if reg.returncode != 0:
            raise AssertionError("register on the host server: " + reg.stderr)
        host_id = reg.stdout.strip()
        out = seg.segment(host.address(), host_id, "host")
        if out.returncode != 0:
            raise AssertionError("segment on the host server: " + out.stderr)
        host.terminate()
        host_labels, host_scores = seg.outputs("host")

        # --- (1) run -> SERVING ----------------------------------------------------------------
        first = Container(args.image, "itaclip-smoke-1", mounts, server_args)
        containers.append(first)
        first.wait_listening()
        serving = wait_serving(args.client, first.address(), 120)
        startup_s = time.monotonic() - first.started
        stages = {e.get("event"): e.get("ms") for e in first.events()
                  if e.get("event") in ("model_loaded", "warmed_up")}
        print("podman run -> health SERVING: %.2f s (model load %.0f ms, warm-up %.0f ms)" %
              (startup_s, stages.get("model_loaded") or 0, stages.get("warmed_up") or 0))
        if not c.check("health SERVING", serving, first.logs()):
            raise AssertionError("the container's server never became SERVING")
        c.check("run -> SERVING within %.0f s (%.2f s)" % (args.max_startup_s, startup_s),
                startup_s <= args.max_startup_s, "%.2f s" % startup_s)
        c.check("the server is the container's PID 1 (exec'ed by the entry point)",
                any(e.get("event") == "listening" for e in first.events()) and
                run(PODMAN + ["exec", first.name, "cat", "/proc/1/comm"]).stdout.strip()
                == "itaclip-server", run(PODMAN + ["top", first.name]).stdout)

        # --- (2) register VOC21, segment, compare with the host ---------------------------------
        reg = seg.register(first.address())
        vid = reg.stdout.strip()
        c.check("register VOC21 with its descriptions", reg.returncode == 0 and vid == host_id,
                "%s (host %s) %s" % (vid, host_id, reg.stderr))
        out = seg.segment(first.address(), vid, "image")
        c.check("segment a sample image", out.returncode == 0, out.stderr)
        labels, scores = seg.outputs("image")
        same_shape = (labels is not None and scores is not None and host_scores is not None and
                      labels.shape == host_labels.shape and scores.shape == host_scores.shape)
        if c.check("labels and scores of the host's shape", same_shape,
                   "%s %s" % (None if labels is None else labels.shape,
                              None if scores is None else scores.shape)):
            agree = float((labels == host_labels).mean())
            diff = float(np.abs(scores.astype(np.float64) - host_scores).max())
            print("image vs host build: labels agree on %.4f%% of the pixels, max |dscore| %.3g" %
                  (100 * agree, diff))
            c.check("labels equal to the host build's", agree == 1.0, "%.6f agree" % agree)
            c.check("|dscore| %.3g < %g" % (diff, args.max_score_diff),
                    diff < args.max_score_diff, diff)

        # --- (3) /metrics ----------------------------------------------------------------------
        samples = e2e_server.metrics_samples(first.metrics_port)
        c.check("metrics: 1 RegisterClasses OK, 1 Segment OK, 1 image",
                (e2e_server.requests_total(samples, "RegisterClasses"),
                 e2e_server.requests_total(samples, "Segment"),
                 samples.get("itaclip_images_total")) == (1, 1, 1),
                {k: v for k, v in samples.items()
                 if k.startswith(("itaclip_requests_total", "itaclip_images_total"))})

        # --- (3b) HTTP/JSON and the web page, embedded in the binary ------------------------------
        base = "http://127.0.0.1:%d" % first.http_port
        health = urllib.request.urlopen(base + "/v1/health", timeout=10).read().decode()
        c.check("HTTP: GET /v1/health is SERVING", json.loads(health) == {"status": "SERVING"},
                health)
        page = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        c.check("HTTP: GET / serves the web page", "<html" in page and "app.js" in page,
                page[:200])

        # --- (4) stop, restart on the same store -----------------------------------------------
        code = first.stop(GRACE_S)
        c.check("podman stop: exit 0", code == 0, "exit %s\n%s" % (code, first.logs()[-3000:]))
        first.remove()
        c.check("the store volume holds the vocabulary record", len(os.listdir(store)) >= 1,
                os.listdir(store))
        second = Container(args.image, "itaclip-smoke-2", mounts, server_args)
        containers.append(second)
        second.wait_listening()
        c.check("restarted container: health SERVING",
                wait_serving(args.client, second.address(), 120), second.logs())
        listing = run([args.client, "list", "--server", second.address()])
        c.check("restarted container lists the vocabulary",
                listing.returncode == 0 and any(
                    row.split("\t")[:2] == [vid, "voc21"] for row in listing.stdout.splitlines()),
                listing.stdout + listing.stderr)
        out = seg.segment(second.address(), vid, "restarted")
        again, _ = seg.outputs("restarted")
        c.check("restarted container: segment by id, the same labels",
                out.returncode == 0 and again is not None and labels is not None and
                np.array_equal(again, labels), out.stderr)

        # --- (5) SIGTERM with a call in flight -------------------------------------------------
        slow = subprocess.Popen(seg.segment_cmd(second.address(), vid, "slow", SLOW),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while e2e_server.metrics_samples(second.metrics_port).get(
                "itaclip_in_flight_requests", 0) < 1:
            if time.monotonic() > deadline or slow.poll() is not None:
                break
            time.sleep(0.02)
        c.check("a slow call is in flight", slow.poll() is None, slow.poll())
        stop_result: Dict[str, object] = {}

        def stop() -> None:
            t0 = time.monotonic()
            stop_result["code"] = second.stop(GRACE_S + 30)
            stop_result["seconds"] = time.monotonic() - t0

        stopper = threading.Thread(target=stop)
        stopper.start()
        _, slow_err = slow.communicate(timeout=GRACE_S + 60)
        stopper.join(timeout=GRACE_S + 90)
        slow_labels, _ = seg.outputs("slow")
        c.check("the call in flight is answered", slow.returncode == 0 and slow_labels is not None,
                "exit %s: %s" % (slow.returncode, slow_err))
        seconds = stop_result.get("seconds", float("inf"))
        stopped = next((e for e in second.events() if e.get("event") == "stopped"), {})
        print("SIGTERM -> podman stop returned: %.2f s (the server drained in %.0f ms)" %
              (seconds, stopped.get("ms") or 0))
        c.check("SIGTERM: exit 0 within the grace period (%d s)" % GRACE_S,
                stop_result.get("code") == 0 and seconds < GRACE_S,
                "exit %s after %s s" % (stop_result.get("code"), seconds))
        events = second.events()
        drained = [e for e in events if e.get("event") in ("signal", "draining", "stopped")]
        c.check("log: signal, draining with the call pending, stopped within grace",
                [e["event"] for e in drained] == ["signal", "draining", "stopped"] and
                drained[1].get("pending") == 1 and drained[2].get("finished_within_grace") is True,
                drained)
    except AssertionError as e:
        c.check("smoke test ran to the end", False, str(e))
    finally:
        if host is not None:
            host.kill()
        for container in containers:
            if c.failures:
                print("--- podman logs %s\n%s" % (container.name, container.logs()[-6000:]))
            container.remove()
    return c.exit_code()


if __name__ == "__main__":
    sys.exit(main())
