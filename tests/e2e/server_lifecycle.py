"""The real itaclip-server's lifecycle, seen from outside:
(a) a restart on the same --store_dir keeps the registered vocabularies (listed, same record, and
    segmenting by id gives the same labels as before the restart);
(b) SIGTERM drains: health turns NOT_SERVING, new calls get UNAVAILABLE, the call in flight finishes
    OK, the process exits 0 within the grace period, and the log says signal, draining, stopped
    with "finished_within_grace":true;
(c) the /metrics page counts exactly the calls made (the warm-up is not a request);
(d) SIGTERM while the server is still starting (its BPE file a FIFO nobody writes, so loading the
    tokenizer waits) ends it at once with status 0 and a "signal" event with action "exit";
(e) a second SIGTERM during a drain that waits for a call ends the process at once with status 1
    and a "signal" event with action "exit_now".

usage: server_lifecycle.py ITACLIP_SERVER CHECKPOINT PROTO_ROOT WORKDIR [PROTOC]
(env ITACLIP_SHARED_DIR: the shared/ folder with the BPE file and the VOC samples)
"""
import os
import re
import shutil
import sys
import threading
import time

import cv2
import grpc
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_server  # noqa: E402
from e2e_server import SERVICE, metrics_samples, requests_total, unary  # noqa: E402

FAST = {"short_side": "224", "pamr_steps": "0"}
# The voc21 preset with a finer sliding window: 81 crops and PAMR on a 513x513 photograph, several
# seconds on the tiny model with one thread; long enough to be in flight while the drain is probed.
SLOW = {"stride": "14"}
GRACE_S = 60
UNKNOWN_ID = "voc-0123456789abcdef0123456789abcdef"


class Client:
    def __init__(self, protos, server):
        svc = protos.svc
        self.channel = grpc.insecure_channel(server.address(), options=e2e_server.CHANNEL_OPTIONS)
        e2e_server.wait_serving(protos, self.channel)
        self.register = unary(self.channel, SERVICE, "RegisterClasses", svc.RegisterClassesResponse)
        self.segment = unary(self.channel, SERVICE, "Segment", svc.SegmentResponse)
        self.listing = unary(self.channel, SERVICE, "ListVocabularies",
                             svc.ListVocabulariesResponse)
        self.get = unary(self.channel, SERVICE, "GetVocabulary", svc.VocabularyInfo)


def decode_labels(response):
    return cv2.imdecode(np.frombuffer(response.labels.data, np.uint8), cv2.IMREAD_UNCHANGED)


def main():
    server_binary, checkpoint, proto_root, work = sys.argv[1:5]
    protoc = sys.argv[5] if len(sys.argv) > 5 else "protoc"
    shared = os.environ["ITACLIP_SHARED_DIR"]
    bpe = os.path.join(shared, "reference", "clip", "bpe_simple_vocab_16e6.txt.gz")
    image_bytes = open(os.path.join(shared, "data", "voc-samples", "0.jpg"), "rb").read()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "store")
    protos = e2e_server.Protos(proto_root, os.path.join(work, "protos"), protoc)
    pb, svc = protos.pb, protos.svc
    c = e2e_server.Checks()
    servers = []

    def start(name, extra):
        s = e2e_server.Server(server_binary, checkpoint, bpe, os.path.join(work, name + ".log"),
                              ["--store_dir", store] + extra)
        servers.append(s)
        return s.wait_listening()

    vocab = pb.VocabularyDefinition(background_first=True)
    vocab.classes.add(names=["background"])
    vocab.classes.add(names=["person", "man"], description="a human being standing or walking.")
    vocab.classes.add(names=["car"])
    vocab.classes.add(names=["dog"])

    try:
        # --- (a) first life: register, segment; (c) its metrics ---------------------------------
        first = start("first", ["--skip_warmup", "true"])
        client = Client(protos, first)
        vid = client.register(svc.RegisterClassesRequest(vocabulary=vocab, display_name="kept"),
                              timeout=60).vocabulary_id
        record = client.get(svc.GetVocabularyRequest(vocabulary_id=vid), timeout=10)
        by_id = svc.SegmentRequest(encoded_image=image_bytes, vocabulary_id=vid, overrides=FAST)
        before = client.segment(by_id, timeout=60)
        client.segment(svc.SegmentRequest(encoded_image=image_bytes, inline_vocabulary=vocab,
                                          overrides=FAST), timeout=60)
        try:
            client.segment(svc.SegmentRequest(encoded_image=image_bytes,
                                              vocabulary_id=UNKNOWN_ID), timeout=60)
            c.check("unknown id: NOT_FOUND", False, "it succeeded")
        except grpc.RpcError as e:
            c.check("unknown id: NOT_FOUND", e.code() == grpc.StatusCode.NOT_FOUND, e.code())
        samples = metrics_samples(first.metrics_port)
        c.check("metrics: 2 Segment OK, 1 NOT_FOUND, 1 RegisterClasses, 1 GetVocabulary",
                (requests_total(samples, "Segment", "OK"),
                 requests_total(samples, "Segment", "NOT_FOUND"),
                 requests_total(samples, "RegisterClasses", "OK"),
                 requests_total(samples, "GetVocabulary", "OK")) == (2, 1, 1, 1),
                {k: v for k, v in samples.items() if k.startswith("itaclip_requests_total")})
        c.check("metrics: itaclip_images_total 2", samples.get("itaclip_images_total") == 2,
                samples.get("itaclip_images_total"))
        client.channel.close()
        code = first.terminate()
        c.check("first server: SIGTERM, exit 0", code == 0, code)
        c.check("the store folder holds a record", len(os.listdir(store)) >= 1, os.listdir(store))

        # --- (a) second life on the same store -----------------------------------------------
        # With the warm-up this time: it must not show up in the request counters.
        second = start("second", ["--drain_grace_seconds", str(GRACE_S)])
        client = Client(protos, second)
        listed = client.listing(svc.ListVocabulariesRequest(include_definitions=True), timeout=10)
        kept = [v for v in listed.vocabularies if v.id == vid]
        c.check("after restart: listed with its name and definition",
                len(listed.vocabularies) == 1 and len(kept) == 1 and
                kept[0].display_name == "kept" and kept[0].definition == vocab, str(listed))
        again = client.get(svc.GetVocabularyRequest(vocabulary_id=vid), timeout=10)
        c.check("after restart: the same record (created time)",
                again.created_unix_ms == record.created_unix_ms and again.num_queries == 5,
                "%d vs %d" % (again.created_unix_ms, record.created_unix_ms))
        after = client.segment(by_id, timeout=60)
        c.check("after restart: segment by id gives the same labels",
                after.vocabulary_id == vid and
                list(after.class_names) == ["background", "person", "car", "dog"] and
                np.array_equal(decode_labels(after), decode_labels(before)),
                "%s %s" % (after.vocabulary_id, list(after.class_names)))
        samples = metrics_samples(second.metrics_port)
        c.check("metrics after warm-up and one call: 1 Segment OK, 1 image",
                requests_total(samples, "Segment", "OK") == 1 and
                samples.get("itaclip_images_total") == 1,
                {k: v for k, v in samples.items()
                 if k.startswith(("itaclip_requests_total", "itaclip_images_total"))})

        # --- (b) drain ----------------------------------------------------------------------
        slow_result = {}

        def slow_call():
            started = time.monotonic()
            try:
                slow_result["response"] = client.segment(svc.SegmentRequest(
                    encoded_image=image_bytes, vocabulary_id=vid, overrides=SLOW), timeout=120)
            except grpc.RpcError as e:
                slow_result["error"] = "%s: %s" % (e.code(), e.details())
            slow_result["seconds"] = time.monotonic() - started

        slow = threading.Thread(target=slow_call)
        slow.start()
        deadline = time.monotonic() + 30
        while metrics_samples(second.metrics_port).get("itaclip_in_flight_requests", 0) < 1:
            if time.monotonic() > deadline or not slow.is_alive():
                break
            time.sleep(0.02)
        c.check("the slow request is in flight", slow.is_alive(), slow_result)
        sigterm_at = time.monotonic()
        second.process.send_signal(15)

        # Fresh channel for the probes: the drain is seen by new callers too.
        probe = grpc.insecure_channel(second.address(), options=e2e_server.CHANNEL_OPTIONS)
        not_serving = protos.health.HealthCheckResponse.NOT_SERVING
        status = None
        while time.monotonic() < sigterm_at + 10:
            try:
                status = e2e_server.health_status(protos, probe)
            except grpc.RpcError as e:
                status = e.code()
            if status == not_serving:
                break
            time.sleep(0.02)
        c.check("draining: health NOT_SERVING", status == not_serving, status)
        try:
            unary(probe, SERVICE, "Segment", svc.SegmentResponse)(
                svc.SegmentRequest(encoded_image=image_bytes, vocabulary_id=vid, overrides=FAST),
                timeout=10)
            c.check("draining: a new Segment is refused", False, "it succeeded")
        except grpc.RpcError as e:
            c.check("draining: a new Segment gets UNAVAILABLE",
                    e.code() == grpc.StatusCode.UNAVAILABLE, "%s: %s" % (e.code(), e.details()))
        try:
            unary(probe, SERVICE, "RegisterClasses", svc.RegisterClassesResponse)(
                svc.RegisterClassesRequest(vocabulary=vocab), timeout=10)
            c.check("draining: a new RegisterClasses is refused", False, "it succeeded")
        except grpc.RpcError as e:
            c.check("draining: a new RegisterClasses gets UNAVAILABLE",
                    e.code() == grpc.StatusCode.UNAVAILABLE, "%s: %s" % (e.code(), e.details()))
        # Otherwise the probes above did not see a drain with a call in flight.
        c.check("the slow request was still in flight during the probes", slow.is_alive(),
                "it took %.1f s: make SLOW slower" % slow_result.get("seconds", 0))
        probe.close()

        slow.join(timeout=GRACE_S + 30)
        response = slow_result.get("response")
        c.check("the call in flight finishes OK", response is not None and
                response.vocabulary_id == vid and decode_labels(response) is not None,
                slow_result.get("error"))
        try:
            code = second.process.wait(timeout=GRACE_S + 10)
        except Exception:  # noqa: BLE001 (subprocess.TimeoutExpired)
            code = None
        exit_s = time.monotonic() - sigterm_at
        c.check("exit 0 within the grace period (%.1f s)" % exit_s,
                code == 0 and exit_s < GRACE_S, "exit %s after %.1f s" % (code, exit_s))
        events = [e.get("event") for e in second.events()]
        tail = [e for e in events if e in ("signal", "draining", "stopped")]
        c.check("log: signal, draining, stopped", tail == ["signal", "draining", "stopped"], events)
        draining = second.event("draining") or {}
        stopped = second.event("stopped") or {}
        c.check("log: draining with the call pending, grace %d s" % GRACE_S,
                draining.get("pending") == 1 and draining.get("grace_s") == GRACE_S, draining)
        c.check('log: "finished_within_grace":true',
                re.search(r'"event":"stopped","finished_within_grace":true',
                          second.log_text()) is not None, stopped)
        c.check("log: the slow call answered OK", any(
            e.get("event") == "rpc" and e.get("method") == "Segment" and e.get("code") == "OK"
            and response is not None and e.get("request_id") == response.request_id
            for e in second.events()), "")
        client.channel.close()

        # --- (d) SIGTERM during start-up --------------------------------------------------------
        fifo = os.path.join(work, "bpe.fifo")
        os.mkfifo(fifo)
        starting = e2e_server.Server(server_binary, checkpoint, fifo,
                                     os.path.join(work, "starting.log"), ["--skip_warmup", "true"])
        servers.append(starting)
        starting.wait_listening()  # the port opens before the model loads
        time.sleep(0.5)  # loading: blocked on the FIFO
        code = starting.terminate(timeout_s=20)
        signal_event = starting.event("signal") or {}
        c.check("SIGTERM while starting: exit 0", code == 0, code)
        c.check("SIGTERM while starting: logged as a deliberate exit",
                signal_event.get("action") == "exit", signal_event)

        # --- (e) a second SIGTERM during the drain --------------------------------------------
        third = start("third", ["--drain_grace_seconds", str(GRACE_S), "--skip_warmup", "true"])
        client = Client(protos, third)
        in_flight = {}

        def slow_call():
            try:
                client.segment(svc.SegmentRequest(encoded_image=image_bytes, vocabulary_id=vid,
                                                   overrides=SLOW), timeout=120)
                in_flight["code"] = grpc.StatusCode.OK
            except grpc.RpcError as e:
                in_flight["code"] = e.code()
        caller = threading.Thread(target=slow_call)
        caller.start()
        deadline = time.monotonic() + 30
        while (time.monotonic() < deadline and
               metrics_samples(third.metrics_port).get("itaclip_in_flight_requests") != 1):
            time.sleep(0.05)
        third.process.send_signal(15)
        third.wait_for_event("draining")
        second_at = time.monotonic()
        code = third.terminate(timeout_s=20)
        c.check("a second SIGTERM during the drain: exit 1 at once (%.1f s)" % (
            time.monotonic() - second_at), code == 1, code)
        actions = [e.get("action") for e in third.events() if e.get("event") == "signal"]
        c.check("log: drain, then exit_now", actions == ["drain", "exit_now"], actions)
        caller.join()
        c.check("the abandoned call did not succeed", in_flight.get("code") != grpc.StatusCode.OK,
                in_flight)
        client.channel.close()
    finally:
        for s in servers:
            s.kill()
    if c.failures:
        for s in servers:
            print("--- " + s.log_path)
            print(s.log_text())
    return c.exit_code()


if __name__ == "__main__":
    sys.exit(main())
