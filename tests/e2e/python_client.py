"""An independent client (Python, grpcio, protoc-generated messages; none of the project's C++)
against the real itaclip-server binary: health, RegisterClasses, Segment by id and inline, labels
and scores decoded by OpenCV/NumPy and checked against the answer's own counts and names, server
reflection, NOT_FOUND for an unknown id, and a clean exit on SIGTERM.

usage: python_client.py ITACLIP_SERVER CHECKPOINT PROTO_ROOT WORKDIR [PROTOC]
(env ITACLIP_SHARED_DIR: the shared/ folder with the BPE file and the VOC samples)
"""
import os
import shutil
import sys

import cv2
import grpc
import numpy as np
from google.protobuf import descriptor_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_server  # noqa: E402
from e2e_server import SERVICE, metrics_samples, requests_total, unary  # noqa: E402

UNKNOWN_ID = "voc-0123456789abcdef0123456789abcdef"
# Small and fast on the tiny model: one 224 crop, no PAMR.
FAST = {"short_side": "224", "pamr_steps": "0"}


def voc_style(pb):
    """Background + 3 classes; "person" has two names and a description."""
    vocab = pb.VocabularyDefinition(background_first=True)
    vocab.classes.add(names=["background"])
    vocab.classes.add(names=["person", "man"], description="a human being standing or walking.")
    vocab.classes.add(names=["car"])
    vocab.classes.add(names=["dog"])
    return vocab


def reflection_call(protos, channel, request, metadata=()):
    stream = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=protos.reflection.ServerReflectionResponse.FromString)
    return list(stream(iter([request]), timeout=10, metadata=list(metadata)))


def check_segment_response(c, name, response, image_shape, expected_names, vocabulary_id):
    """The label map decodes to the image's size, its values index class_names, and the per-class
    pixel counts are those of the decoded map."""
    h, w = image_shape[:2]
    c.check(name + ": vocabulary_id", response.vocabulary_id == vocabulary_id,
            "%s != %s" % (response.vocabulary_id, vocabulary_id))
    c.check(name + ": request_id present", len(response.request_id) > 0, repr(response.request_id))
    c.check(name + ": class names", list(response.class_names) == expected_names,
            list(response.class_names))
    c.check(name + ": label map header", (response.labels.width, response.labels.height,
                                          response.labels.bits_per_pixel) == (w, h, 8),
            "%dx%d %d bits" % (response.labels.width, response.labels.height,
                               response.labels.bits_per_pixel))
    labels = cv2.imdecode(np.frombuffer(response.labels.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if not c.check(name + ": label PNG decodes", labels is not None, "cv2.imdecode failed"):
        return None
    c.check(name + ": label PNG is 8-bit gray of the image's size",
            labels.shape == (h, w) and labels.dtype == np.uint8, "%s %s" % (labels.shape,
                                                                            labels.dtype))
    n = len(expected_names)
    c.check(name + ": labels < num classes", int(labels.max()) < n, "max %d" % labels.max())
    counts = np.bincount(labels.ravel(), minlength=n)[:n].tolist()
    c.check(name + ": pixel counts match the map", list(response.class_pixel_counts) == counts,
            "%s vs decoded %s" % (list(response.class_pixel_counts), counts))
    c.check(name + ": counts sum to the image", sum(response.class_pixel_counts) == h * w,
            sum(response.class_pixel_counts))
    return labels


def main():
    server_binary, checkpoint, proto_root, work = sys.argv[1:5]
    protoc = sys.argv[5] if len(sys.argv) > 5 else "protoc"
    shared = os.environ["ITACLIP_SHARED_DIR"]
    bpe = os.path.join(shared, "reference", "clip", "bpe_simple_vocab_16e6.txt.gz")
    image_path = os.path.join(shared, "data", "voc-samples", "0.jpg")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    protos = e2e_server.Protos(proto_root, os.path.join(work, "protos"), protoc)
    pb, svc = protos.pb, protos.svc
    c = e2e_server.Checks()

    server = e2e_server.Server(server_binary, checkpoint, bpe, os.path.join(work, "server.log"),
                               ["--skip_warmup", "true"])
    try:
        server.wait_listening()
        channel = grpc.insecure_channel(server.address(), options=e2e_server.CHANNEL_OPTIONS)
        e2e_server.wait_serving(protos, channel)
        c.check("health SERVING for the server", True)
        c.check("health SERVING for " + SERVICE,
                e2e_server.health_status(protos, channel, SERVICE) ==
                protos.health.HealthCheckResponse.SERVING)

        register = unary(channel, SERVICE, "RegisterClasses", svc.RegisterClassesResponse)
        segment = unary(channel, SERVICE, "Segment", svc.SegmentResponse)
        listing = unary(channel, SERVICE, "ListVocabularies", svc.ListVocabulariesResponse)
        get_vocabulary = unary(channel, SERVICE, "GetVocabulary", svc.VocabularyInfo)
        server_info = unary(channel, SERVICE, "GetServerInfo", svc.ServerInfo)

        info = server_info(svc.GetServerInfoRequest(), timeout=10)
        c.check("server info: default preset voc21 among the presets",
                info.default_preset == "voc21" and "voc21" in info.presets, str(info))

        # RegisterClasses, twice: the second is the same id, already registered, nothing built.
        vocab = voc_style(pb)
        first = register(svc.RegisterClassesRequest(vocabulary=vocab, display_name="e2e-voc"),
                         timeout=60)
        vid = first.vocabulary_id
        c.check("register: id, 4 classes, 5 queries (one per name), new",
                vid != "" and first.num_classes == 4 and first.num_queries == 5 and
                not first.already_registered, str(first))
        again = register(svc.RegisterClassesRequest(vocabulary=vocab), timeout=60)
        c.check("register again: same id, already registered, nothing built",
                again.vocabulary_id == vid and again.already_registered and again.build_ms == 0,
                str(again))

        # Segment by id: PNG labels and float32 scores.
        image_bytes = open(image_path, "rb").read()
        image = cv2.imread(image_path)
        names = ["background", "person", "car", "dog"]
        request = svc.SegmentRequest(encoded_image=image_bytes, vocabulary_id=vid, overrides=FAST,
                                     label_format=svc.LABEL_FORMAT_PNG,
                                     score_format=svc.SCORE_FORMAT_FLOAT32)
        response = segment(request, timeout=60)
        labels = check_segment_response(c, "segment by id", response, image.shape, names, vid)
        h, w = image.shape[:2]
        s = response.scores
        c.check("scores header", (s.format, s.num_classes, s.height, s.width) ==
                (svc.SCORE_FORMAT_FLOAT32, 4, h, w), "%d %d %d %d" % (s.format, s.num_classes,
                                                                      s.height, s.width))
        c.check("scores size", len(s.data) == 4 * 4 * h * w, len(s.data))
        scores32 = np.frombuffer(s.data, "<f4").reshape(4, h, w)
        # Each class score is the max over its queries of one softmax over all queries, so at a
        # pixel they are >= 0 and sum to at most 1 (bilinear resizing keeps both).
        c.check("scores are probabilities", bool(np.isfinite(scores32).all()) and
                float(scores32.min()) >= 0 and float(scores32.sum(0).max()) <= 1 + 1e-4,
                "min %g, max per-pixel sum %g" % (scores32.min(), scores32.sum(0).max()))

        # The same request with raw labels and half scores: the same map, the same scores to fp16
        # precision.
        request.label_format = svc.LABEL_FORMAT_RAW
        request.score_format = svc.SCORE_FORMAT_FLOAT16
        raw = segment(request, timeout=60)
        raw_labels = np.frombuffer(raw.labels.data, np.uint8)
        c.check("raw labels equal the decoded PNG", labels is not None and
                raw.labels.format == svc.LABEL_FORMAT_RAW and raw_labels.size == h * w and
                np.array_equal(raw_labels.reshape(h, w), labels), "size %d" % raw_labels.size)
        scores16 = np.frombuffer(raw.scores.data, "<f2").reshape(4, h, w).astype(np.float32)
        c.check("float16 scores equal float32 ones to half precision",
                raw.scores.format == svc.SCORE_FORMAT_FLOAT16 and
                float(np.abs(scores16 - scores32).max()) <= 1e-3,
                "max difference %g" % np.abs(scores16 - scores32).max())
        c.check("a different request id", raw.request_id != response.request_id,
                raw.request_id)

        # Inline: the same content is the same id.
        inline = segment(svc.SegmentRequest(encoded_image=image_bytes, inline_vocabulary=vocab,
                                            overrides=FAST), timeout=60)
        check_segment_response(c, "segment inline (same content)", inline, image.shape, names,
                               vid)
        # New content inline first, then RegisterClasses: the id the inline call got, already
        # registered.
        other = pb.VocabularyDefinition()
        other.classes.add(names=["cat"])
        other.classes.add(names=["sky", "clouds"], description="the air above the earth.")
        other.text_params.description_weight = 0.2
        inline_other = segment(svc.SegmentRequest(encoded_image=image_bytes,
                                                  inline_vocabulary=other, overrides=FAST),
                               timeout=60)
        check_segment_response(c, "segment inline (new content)", inline_other, image.shape,
                               ["cat", "sky"], inline_other.vocabulary_id)
        registered_other = register(svc.RegisterClassesRequest(vocabulary=other), timeout=60)
        c.check("register after inline: the inline id, already registered",
                registered_other.vocabulary_id == inline_other.vocabulary_id and
                registered_other.already_registered and registered_other.vocabulary_id != vid,
                "%s vs %s" % (registered_other.vocabulary_id, inline_other.vocabulary_id))
        # A different weight is different content: a different id.
        other.text_params.description_weight = 0.3
        reweighted = register(svc.RegisterClassesRequest(vocabulary=other), timeout=60)
        c.check("another description weight: another id",
                reweighted.vocabulary_id not in (vid, inline_other.vocabulary_id) and
                not reweighted.already_registered, reweighted.vocabulary_id)

        listed = listing(svc.ListVocabulariesRequest(include_definitions=True), timeout=10)
        by_id = {v.id: v for v in listed.vocabularies}
        c.check("list: the three vocabularies, sorted by id",
                sorted(by_id) == sorted([vid, inline_other.vocabulary_id,
                                         reweighted.vocabulary_id]) and
                [v.id for v in listed.vocabularies] == sorted(by_id), list(by_id))
        c.check("list: display name and definition kept", vid in by_id and
                by_id[vid].display_name == "e2e-voc" and by_id[vid].definition == vocab,
                str(by_id.get(vid)))

        # Reflection (v1alpha, messages generated from a minimal copy of reflection.proto).
        answers = reflection_call(protos, channel,
                                  protos.reflection.ServerReflectionRequest(list_services=""))
        services = [s.name for a in answers for s in a.list_services_response.service]
        c.check("reflection lists the service and health", SERVICE in services and
                "grpc.health.v1.Health" in services, services)
        answers = reflection_call(protos, channel, protos.reflection.ServerReflectionRequest(
            file_containing_symbol=SERVICE))
        methods = {}
        for a in answers:
            for blob in a.file_descriptor_response.file_descriptor_proto:
                fd = descriptor_pb2.FileDescriptorProto.FromString(blob)
                for s in fd.service:
                    if fd.package + "." + s.name == SERVICE:
                        methods = {m.name: m.input_type for m in s.method}
        c.check("reflection describes Segment and RegisterClasses",
                methods.get("Segment") == ".itaclip.v1.SegmentRequest" and
                methods.get("RegisterClasses") == ".itaclip.v1.RegisterClassesRequest", methods)

        # Requests whose string fields are not UTF-8, sent as raw bytes (Protobuf's Python would
        # refuse to build them): INVALID_ARGUMENT naming the request type, counted in the metrics.
        # A valid message is built with a 4-byte marker, which is then replaced by invalid UTF-8.
        bad = b"\xff\xfe\xc0\x80"

        def with_bad_bytes(message):
            data = message.SerializeToString()
            assert data.count(b"ZZZZ") == 1, data
            return data.replace(b"ZZZZ", bad)

        def inline(name="car", description=""):
            v = pb.VocabularyDefinition()
            v.classes.add(names=[name], description=description)
            return v
        malformed = [
            ("RegisterClasses", "a class name", svc.RegisterClassesRequest(
                vocabulary=inline(name="ZZZZ"))),
            ("RegisterClasses", "a description", svc.RegisterClassesRequest(
                vocabulary=inline(description="ZZZZ"))),
            ("RegisterClasses", "display_name", svc.RegisterClassesRequest(
                vocabulary=inline(), display_name="ZZZZ")),
            ("Segment", "vocabulary_id", svc.SegmentRequest(
                encoded_image=image_bytes, vocabulary_id="ZZZZ")),
            ("Segment", "an inline class name", svc.SegmentRequest(
                encoded_image=image_bytes, inline_vocabulary=inline(name="ZZZZ"))),
            ("Segment", "an inline description", svc.SegmentRequest(
                encoded_image=image_bytes, inline_vocabulary=inline(description="ZZZZ"))),
            ("GetVocabulary", "vocabulary_id", svc.GetVocabularyRequest(vocabulary_id="ZZZZ")),
            ("DeleteVocabulary", "vocabulary_id", svc.DeleteVocabularyRequest(
                vocabulary_id="ZZZZ")),
        ]
        for method, field, message in malformed:
            raw_call = channel.unary_unary("/%s/%s" % (SERVICE, method))  # bytes in, bytes out
            try:
                raw_call(with_bad_bytes(message), timeout=30)
                c.check("%s with %s not UTF-8: INVALID_ARGUMENT" % (method, field), False,
                        "it succeeded")
            except grpc.RpcError as e:
                type_name = message.DESCRIPTOR.full_name
                c.check("%s with %s not UTF-8: INVALID_ARGUMENT naming %s" % (
                    method, field, type_name),
                    e.code() == grpc.StatusCode.INVALID_ARGUMENT and
                    type_name + " could not be parsed" in e.details(),
                    "%s: %s" % (e.code(), e.details()))
        samples = metrics_samples(server.metrics_port)
        for method, count in [("RegisterClasses", 3), ("Segment", 3), ("GetVocabulary", 1),
                              ("DeleteVocabulary", 1)]:
            value = requests_total(samples, method, "INVALID_ARGUMENT")
            c.check("metrics: %d INVALID_ARGUMENT for %s" % (count, method), value == count,
                    {k: v for k, v in samples.items() if "INVALID_ARGUMENT" in k})

        # Unknown ids: NOT_FOUND naming the id.
        for what, call in [
                ("segment", lambda: segment(svc.SegmentRequest(
                    encoded_image=image_bytes, vocabulary_id=UNKNOWN_ID), timeout=30)),
                ("get", lambda: get_vocabulary(svc.GetVocabularyRequest(
                    vocabulary_id=UNKNOWN_ID), timeout=30))]:
            try:
                call()
                c.check(what + " with an unknown id: NOT_FOUND", False, "it succeeded")
            except grpc.RpcError as e:
                c.check(what + " with an unknown id: NOT_FOUND naming the id",
                        e.code() == grpc.StatusCode.NOT_FOUND and UNKNOWN_ID in e.details(),
                        "%s: %s" % (e.code(), e.details()))

        channel.close()
        code = server.terminate()
        c.check("SIGTERM: exit 0", code == 0, code)
        stopped = server.event("stopped")
        c.check("log: stopped", stopped is not None and stopped.get("finished_within_grace"),
                stopped)
        # One "rpc" log event per call made above (health and reflection are not the service's),
        # with the request id the answer carried.
        rpcs = [e for e in server.events() if e.get("event") == "rpc"]
        calls = sorted((e.get("method"), e.get("code")) for e in rpcs)
        expected = sorted([("GetServerInfo", "OK"), ("ListVocabularies", "OK"),
                           ("GetVocabulary", "NOT_FOUND"), ("Segment", "NOT_FOUND")] +
                          [("RegisterClasses", "OK")] * 4 + [("Segment", "OK")] * 4 +
                          [(method, "INVALID_ARGUMENT") for method, _, _ in malformed])
        c.check("log: one rpc event per call, with its code", calls == expected, calls)
        c.check("log: the answer's request id", any(
            e.get("request_id") == response.request_id and e.get("method") == "Segment"
            for e in rpcs), response.request_id)
    finally:
        server.kill()
    if c.failures:
        print(server.log_text())

    # A server that requires bearer tokens: health stays open for probes; the service and
    # reflection (which describes the whole API and cannot check a token) do not answer without one.
    tokens = os.path.join(work, "tokens.txt")
    with open(tokens, "w") as f:
        f.write("e2e-secret-token\n")
    guarded = e2e_server.Server(server_binary, checkpoint, bpe, os.path.join(work, "guarded.log"),
                                ["--skip_warmup", "true", "--bearer_tokens_file", tokens])
    try:
        guarded.wait_listening()
        channel = grpc.insecure_channel(guarded.address(), options=e2e_server.CHANNEL_OPTIONS)
        e2e_server.wait_serving(protos, channel)
        c.check("tokens: health SERVING without a token", True)
        server_info = unary(channel, SERVICE, "GetServerInfo", svc.ServerInfo)
        try:
            server_info(svc.GetServerInfoRequest(), timeout=10)
            c.check("tokens: the service without a token: UNAUTHENTICATED", False, "answered")
        except grpc.RpcError as e:
            c.check("tokens: the service without a token: UNAUTHENTICATED",
                    e.code() == grpc.StatusCode.UNAUTHENTICATED, e.code())
        info = server_info(svc.GetServerInfoRequest(), timeout=10,
                           metadata=[("authorization", "Bearer e2e-secret-token")])
        c.check("tokens: the service with the token answers", info.default_preset == "voc21",
                str(info))
        for metadata in ([], [("authorization", "Bearer e2e-secret-token")]):
            try:
                reflection_call(protos, channel, protos.reflection.ServerReflectionRequest(
                    list_services=""), metadata)
                c.check("tokens: no reflection (%d metadata)" % len(metadata), False,
                        "reflection answered")
            except grpc.RpcError as e:
                c.check("tokens: no reflection (%d metadata): UNIMPLEMENTED" % len(metadata),
                        e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code())
        listening = guarded.event("listening")
        c.check("tokens: the log says reflection is off", listening.get("reflection") is False,
                listening)
        channel.close()
        c.check("tokens: SIGTERM: exit 0", guarded.terminate() == 0)
    finally:
        guarded.kill()
    if c.failures:
        print(guarded.log_text())
    return c.exit_code()


if __name__ == "__main__":
    sys.exit(main())
