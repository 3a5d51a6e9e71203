"""Segmentation latency while a large vocabulary builds (issue 13, part 2, item 2).

For each server binary given (e.g. the build before and after a change, measured side by side in
one run on the same machine), starts it, registers a small vocabulary, then segments one image in a
closed loop from CLIENTS threads: first alone for --baseline_s seconds, then while a vocabulary of
--classes classes (one name each, 80 templates: --classes x 80 prompts) is registered by another
thread. Prints p50/p99 of the Segment latency in both phases, the registration's time, and the
ratios. Absolute times mean little on a 2-core machine; compare the binaries' ratios.

usage: .venv/bin/python3 bench/latency_during_build.py --checkpoint CKPT \
           [--shared ../shared] [--classes 1000] [--rounds 2] NAME=BINARY [NAME=BINARY ...]
"""
import argparse
import os
import sys
import threading
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import e2e_server  # noqa: E402
from e2e_server import SERVICE, unary  # noqa: E402


def percentile(values, q):
    """Nearest rank."""
    ordered = sorted(values)
    rank = max(1, int(round(q / 100.0 * len(ordered) + 0.5)))
    return ordered[min(rank, len(ordered)) - 1]


def measure(name, binary, args, protos, work):
    svc, pb = protos.svc, protos.pb
    server = e2e_server.Server(
        binary, args.checkpoint,
        os.path.join(args.shared, "reference", "clip", "bpe_simple_vocab_16e6.txt.gz"),
        os.path.join(work, name + ".log"),
        ["--skip_warmup", "true", "--http_listen", "none", "--workers", str(args.workers),
         "--cpu_threads", str(args.cpu_threads)])
    try:
        server.wait_listening()
        channel = grpc.insecure_channel(server.address(), options=e2e_server.CHANNEL_OPTIONS)
        e2e_server.wait_serving(protos, channel)
        register = unary(channel, SERVICE, "RegisterClasses", svc.RegisterClassesResponse)
        segment = unary(channel, SERVICE, "Segment", svc.SegmentResponse)
        small = pb.VocabularyDefinition(background_first=True)
        for names in (["background"], ["person"], ["dog"], ["car"]):
            small.classes.add(names=names)
        vocabulary_id = register(svc.RegisterClassesRequest(vocabulary=small),
                                 timeout=600).vocabulary_id
        with open(os.path.join(args.shared, "data", "voc-samples", args.image), "rb") as f:
            request = svc.SegmentRequest(encoded_image=f.read(), vocabulary_id=vocabulary_id,
                                         overrides={"short_side": "224", "pamr_steps": "0"})
        segment(request, timeout=600)  # first use: the embeddings' device copy, caches

        def loop(stop, latencies):
            while not stop.is_set():
                start = time.monotonic()
                segment(request, timeout=600)
                latencies.append(time.monotonic() - start)

        def phase(during):
            stop, latencies, threads = threading.Event(), [], []
            for _ in range(args.clients):
                threads.append(threading.Thread(target=loop, args=(stop, latencies)))
                threads[-1].start()
            build_s = during()
            stop.set()
            for t in threads:
                t.join()
            return latencies, build_s

        def sleep_baseline():
            time.sleep(args.baseline_s)
            return None

        big = pb.VocabularyDefinition()
        for i in range(args.classes):
            big.classes.add(names=["object number %d" % i])

        def build():
            start = time.monotonic()
            register(svc.RegisterClassesRequest(vocabulary=big), timeout=3600)
            return time.monotonic() - start

        alone, _ = phase(sleep_baseline)
        during, build_s = phase(build)
        channel.close()
        return alone, during, build_s
    finally:
        server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    parser.add_argument("--image", default="0.jpg")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cpu_threads", type=int, default=2)
    parser.add_argument("--baseline_s", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", default="/tmp/latency_during_build")
    parser.add_argument("binaries", nargs="+", help="NAME=PATH of an itaclip-server")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    protos = e2e_server.Protos(os.path.join(HERE, "..", "proto"), os.path.join(args.work, "protos"))
    print("%-8s %5s %9s %9s %6s %9s %9s %6s %8s  %s" % (
        "binary", "round", "p50 alone", "p99 alone", "n", "p50 build", "p99 build", "n",
        "build s", "p99 build / p99 alone"))
    for round_index in range(args.rounds):
        for spec in args.binaries:  # alternated, so that drifts of the machine hit both
            name, binary = spec.split("=", 1)
            alone, during, build_s = measure(name, binary, args, protos, args.work)
            print("%-8s %5d %8.0fms %8.0fms %6d %8.0fms %8.0fms %6d %8.1f  %.2f" % (
                name, round_index + 1, 1000 * percentile(alone, 50), 1000 * percentile(alone, 99),
                len(alone), 1000 * percentile(during, 50), 1000 * percentile(during, 99),
                len(during), build_s, percentile(during, 99) / percentile(alone, 99)), flush=True)


if __name__ == "__main__":
    main()
