"""The HTTP/JSON API of the real itaclip-server binary, from outside, with a plain HTTP client
(Python's http.client and urllib, and curl for TLS): every route; each answer compared with the
same call over gRPC (grpcio, protoc-generated messages: the two APIs must not drift); the error
mapping (400, 401, 404, 413, 429, 503, 504) with gRPC's messages; the limits; bearer tokens and
TLS; the metrics counting HTTP calls; concurrent calls, keep-alive, and idle clients that cannot
hold the server.

usage: http_api.py ITACLIP_SERVER CHECKPOINT PROTO_ROOT WORKDIR [PROTOC]
(env ITACLIP_SHARED_DIR: the shared/ folder with the BPE file, the descriptions, the VOC samples)
"""
import base64
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import grpc
from google.protobuf import json_format

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_server  # noqa: E402
from e2e_server import SERVICE, metrics_samples, requests_total, unary  # noqa: E402

TOKEN = "http-test-token-5c1e"
FAST = {"short_side": "224", "pamr_steps": "0"}


class Http:
    """JSON calls to one server: (status, headers, parsed body)."""

    def __init__(self, port, scheme="http", context=None, token=None):
        self.port, self.scheme, self.context, self.token = port, scheme, context, token

    def connection(self, timeout=120):
        if self.scheme == "https":
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def call(self, method, path, body=None, headers=None, connection=None, raw=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        conn = connection or self.connection()
        conn.request(method, path, body=data, headers=h)
        response = conn.getresponse()
        payload = response.read()
        if connection is None:
            conn.close()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return response.status, dict(response.getheaders()), parsed


def certificates(work):
    """A CA and a server certificate for 127.0.0.1 signed by it (P-256: fast)."""
    d = os.path.join(work, "tls")
    os.makedirs(d, exist_ok=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for args in (["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                            "-subj", "/CN=itaclip http test CA"],
                 ["req"] + key + ["-keyout", "server.key", "-out", "server.csr", "-subj",
                                  "/CN=localhost"],
                 ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                  "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out",
                  "server.pem"]):
        subprocess.run(["openssl"] + args, cwd=d, check=True, capture_output=True)
    return {n: os.path.join(d, f) for n, f in
            (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"))}


def error_of(c, name, answer, http_status, grpc_status, message_part=None):
    status, headers, body = answer
    ok = (status == http_status and isinstance(body, dict) and "error" in body and
          body["error"].get("code") == http_status and body["error"].get("status") == grpc_status
          and (message_part is None or message_part in body["error"].get("message", "")))
    c.check(name, ok, "%s %s" % (status, body))
    return body["error"]["message"] if ok else None


def main():
    binary, checkpoint, proto_root, work = sys.argv[1:5]
    protoc = sys.argv[5] if len(sys.argv) > 5 else "protoc"
    shared = os.environ["ITACLIP_SHARED_DIR"]
    bpe = os.path.join(shared, "reference", "clip", "bpe_simple_vocab_16e6.txt.gz")
    descriptions = os.path.join(shared, "reference", "itaclip", "llama_generated_texts")
    image_path = os.path.join(shared, "data", "voc-samples", "0.jpg")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    protos = e2e_server.Protos(proto_root, os.path.join(work, "protos"), protoc)
    svc, pb = protos.svc, protos.pb
    c = e2e_server.Checks()
    with open(image_path, "rb") as f:
        image_bytes = f.read()
    image_b64 = base64.b64encode(image_bytes).decode()

    # Server A: plain HTTP, descriptions, a small HTTP connection cap and read timeout (for the
    # idle-client check), a small body limit (for 413).
    config = os.path.join(work, "a.textproto")
    with open(config, "w") as f:
        f.write("http { max_connections: 4 read_timeout_seconds: 1 write_timeout_seconds: 10 "
                "keep_alive_timeout_seconds: 1 max_body_bytes: 4000000 }\n")
    a = e2e_server.Server(binary, checkpoint, bpe, os.path.join(work, "a.log"),
                          ["--config", config, "--skip_warmup", "true",
                           "--descriptions_dir", descriptions, "--workers", "2"])
    servers = [a]
    try:
        a.wait_listening()
        channel = grpc.insecure_channel(a.address(), options=e2e_server.CHANNEL_OPTIONS)
        e2e_server.wait_serving(protos, channel)
        api = Http(a.http_port)
        grpc_register = unary(channel, SERVICE, "RegisterClasses", svc.RegisterClassesResponse)
        grpc_segment = unary(channel, SERVICE, "Segment", svc.SegmentResponse)
        grpc_get = unary(channel, SERVICE, "GetVocabulary", svc.VocabularyInfo)
        grpc_info = unary(channel, SERVICE, "GetServerInfo", svc.ServerInfo)
        before = metrics_samples(a.metrics_port)

        # --- Every route -------------------------------------------------------------------------
        status, _, body = api.call("GET", "/v1/health")
        c.check("GET /v1/health: 200 SERVING", (status, body) == (200, {"status": "SERVING"}),
                (status, body))
        status, headers, body = api.call("GET", "/v1/info", headers={"X-Request-Id": "http-1"})
        info = json_format.ParseDict(body, svc.ServerInfo()) if status == 200 else None
        c.check("GET /v1/info: 200, the ServerInfo gRPC gives (Protobuf's JSON mapping)",
                info == grpc_info(svc.GetServerInfoRequest(), timeout=10), body)
        c.check("X-Request-Id is read and echoed", headers.get("X-Request-Id") == "http-1",
                headers)
        c.check("fields at their defaults are written, lowerCamelCase",
                status == 200 and "defaultPreset" in body and "maxBatchCrops" in body, body)

        status, _, body = api.call("GET", "/v1/presets")
        names = [p["name"] for p in body.get("presets", [])] if status == 200 else []
        c.check("GET /v1/presets: the five presets with class counts and descriptions",
                names == ["cityscapes", "coco_object", "coco_stuff", "context60", "voc21"] and
                all(p["hasDescriptions"] for p in body["presets"]) and
                body["presets"][4]["numClasses"] == 21, body)
        status, _, voc = api.call("GET", "/v1/presets/voc21/vocabulary?descriptions=true")
        c.check("GET /v1/presets/voc21/vocabulary?descriptions=true: 21 classes, background "
                "first, 20 descriptions, the preset's weight",
                status == 200 and len(voc["classes"]) == 21 and voc["backgroundFirst"] and
                sum(1 for k in voc["classes"] if k["description"]) == 20 and
                voc["textParams"]["descriptionWeight"] == 0.05, (status, str(voc)[:300]))
        status, _, plain = api.call("GET", "/v1/presets/voc21/vocabulary")
        c.check("... without descriptions", status == 200 and
                not any(k["description"] for k in plain["classes"]), str(plain)[:300])

        # RegisterClasses: over HTTP and over gRPC, the same content gives the same id.
        status, _, registered = api.call("POST", "/v1/vocabularies",
                                         {"vocabulary": voc, "displayName": "voc21 + texts"})
        c.check("POST /v1/vocabularies: 200, an id, 21 classes",
                status == 200 and registered["vocabularyId"].startswith("voc-") and
                registered["numClasses"] == 21 and not registered["alreadyRegistered"],
                registered)
        voc_id = registered.get("vocabularyId") if status == 200 else None
        again = grpc_register(svc.RegisterClassesRequest(
            vocabulary=json_format.ParseDict(voc, pb.VocabularyDefinition())), timeout=120)
        c.check("gRPC RegisterClasses of the same definition: same id, already registered",
                again.vocabulary_id == voc_id and again.already_registered, again)
        small = {"classes": [{"names": ["background"]}, {"names": ["person", "man"]},
                             {"names": ["dog"]}], "backgroundFirst": True}
        status, _, small_reg = api.call("POST", "/v1/vocabularies", {"vocabulary": small})
        small_id = small_reg.get("vocabularyId") if status == 200 else None
        c.check("POST /v1/vocabularies (snake_case field names read too)",
                api.call("POST", "/v1/vocabularies",
                         {"vocabulary": {"classes": small["classes"],
                                         "background_first": True}})[2].get("vocabularyId")
                == small_id and small_id is not None, small_reg)

        status, _, listed = api.call("GET", "/v1/vocabularies")
        ids = [v["id"] for v in listed.get("vocabularies", [])] if status == 200 else []
        c.check("GET /v1/vocabularies: both, sorted, no definitions",
                ids == sorted([voc_id, small_id]) and
                all("definition" not in v for v in listed["vocabularies"]), listed)
        status, _, listed = api.call("GET", "/v1/vocabularies?include_definitions=true")
        c.check("GET /v1/vocabularies?include_definitions=true: with definitions",
                status == 200 and all("definition" in v for v in listed["vocabularies"]),
                str(listed)[:300])
        status, _, got = api.call("GET", "/v1/vocabularies/" + small_id)
        c.check("GET /v1/vocabularies/{id}: the VocabularyInfo gRPC gives",
                status == 200 and json_format.ParseDict(got, svc.VocabularyInfo()) ==
                grpc_get(svc.GetVocabularyRequest(vocabulary_id=small_id), timeout=10), got)

        # Segment: labels and float32 scores bit-equal to gRPC's for the same request.
        request = {"encodedImage": image_b64, "vocabularyId": small_id,
                   "labelFormat": "LABEL_FORMAT_RAW", "scoreFormat": "SCORE_FORMAT_FLOAT32",
                   "overrides": FAST}
        status, headers, seg = api.call("POST", "/v1/segment", request)
        over_grpc = grpc_segment(json_format.ParseDict(request, svc.SegmentRequest()), timeout=120)
        ok = status == 200
        if ok:
            labels = base64.b64decode(seg["labels"]["data"])
            scores = base64.b64decode(seg["scores"]["data"])
            ok = (labels == over_grpc.labels.data and scores == over_grpc.scores.data and
                  seg["classNames"] == list(over_grpc.class_names) and
                  [int(n) for n in seg["classPixelCounts"]] ==
                  list(over_grpc.class_pixel_counts))
            c.check("POST /v1/segment: labels and float32 scores bit-equal to gRPC's",
                    ok, "%d label bytes" % len(labels))
            c.check("the label map counts agree with classPixelCounts (int64 as strings)",
                    [labels.count(bytes([i])) for i in range(3)] ==
                    [int(n) for n in seg["classPixelCounts"]], seg["classPixelCounts"])
            c.check("requestId in the body equals the X-Request-Id header",
                    seg["requestId"] == headers.get("X-Request-Id"), headers)
        else:
            c.check("POST /v1/segment: 200", False, (status, seg))
        status, _, inline = api.call("POST", "/v1/segment", {
            "encodedImage": image_b64, "inlineVocabulary": small, "overrides": FAST})
        c.check("POST /v1/segment with an inline vocabulary, PNG labels (the default)",
                status == 200 and inline["vocabularyId"] == small_id and
                base64.b64decode(inline["labels"]["data"])[:8] == b"\x89PNG\r\n\x1a\n",
                (status, str(inline)[:200]))

        status, _, body = api.call("DELETE", "/v1/vocabularies/" + small_id)
        c.check("DELETE /v1/vocabularies/{id}: 200 {}", (status, body) == (200, {}), body)
        message = error_of(c, "GET of a deleted id: 404 NOT_FOUND",
                           api.call("GET", "/v1/vocabularies/" + small_id), 404, "NOT_FOUND")
        try:
            grpc_get(svc.GetVocabularyRequest(vocabulary_id=small_id), timeout=10)
            grpc_message = None
        except grpc.RpcError as e:
            grpc_message = e.details()
        c.check("... with gRPC's message", message is not None and message == grpc_message,
                (message, grpc_message))

        # --- Errors and limits -------------------------------------------------------------------
        error_of(c, "not JSON: 400 naming the message", api.call(
            "POST", "/v1/segment", raw="{not json"), 400, "INVALID_ARGUMENT",
            "itaclip.v1.SegmentRequest")
        error_of(c, "an unknown field: 400", api.call(
            "POST", "/v1/vocabularies", {"vocabulary": small, "colour": 1}), 400,
            "INVALID_ARGUMENT", "colour")
        error_of(c, "bad base64: 400", api.call(
            "POST", "/v1/segment", {"encodedImage": "***", "vocabularyId": voc_id}), 400,
            "INVALID_ARGUMENT")
        error_of(c, "invalid UTF-8 in a class name: 400", api.call(
            "POST", "/v1/vocabularies",
            raw=b'{"vocabulary":{"classes":[{"names":["caf\xc3"]}]}}'), 400, "INVALID_ARGUMENT")
        zero_width = {"vocabulary": {"classes": [{"names": ["cat"]}, {"names": ["\u200b"]}]}}
        message = error_of(c, "a name empty once cleaned: 400 naming the class",
                           api.call("POST", "/v1/vocabularies", zero_width), 400,
                           "INVALID_ARGUMENT", "class")
        try:
            grpc_register(json_format.ParseDict(zero_width, svc.RegisterClassesRequest()),
                          timeout=10)
            grpc_message = None
        except grpc.RpcError as e:
            grpc_message = e.details()
        c.check("... with gRPC's message", message == grpc_message, (message, grpc_message))
        error_of(c, "an image that is not one: 400", api.call(
            "POST", "/v1/segment", {"encodedImage": base64.b64encode(b"GIF89a nope").decode(),
                                    "vocabularyId": voc_id}), 400, "INVALID_ARGUMENT")
        error_of(c, "an unknown id: 404", api.call(
            "POST", "/v1/segment", {"encodedImage": image_b64,
                                    "vocabularyId": "voc-0123456789abcdef0123456789abcdef"}),
            404, "NOT_FOUND")
        error_of(c, "an unknown preset: 404", api.call(
            "GET", "/v1/presets/ade20k/vocabulary"), 404, "NOT_FOUND")
        error_of(c, "an unknown route: 404", api.call("GET", "/v1/nothing"), 404, "NOT_FOUND")
        error_of(c, "a method the path does not take: 404", api.call("PUT", "/v1/segment",
                                                                      {}), 404, "NOT_FOUND")
        error_of(c, "a body over http.max_body_bytes: 413", api.call(
            "POST", "/v1/segment", raw=b"{" + b" " * 4000001 + b"}"), 413, "RESOURCE_EXHAUSTED",
            "max_body_bytes")
        error_of(c, "a large form-encoded body (curl -d): 413 saying to send application/json",
                 api.call("POST", "/v1/segment", request,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 413, "RESOURCE_EXHAUSTED", "application/json")
        error_of(c, "crops over max_crops_per_request: 400", api.call(
            "POST", "/v1/segment", {"encodedImage": image_b64, "vocabularyId": voc_id,
                                    "overrides": {"stride": "1"}}), 400, "INVALID_ARGUMENT",
            "max_crops_per_request")
        status, headers, page = api.call("GET", "/")
        c.check("GET /: the page, HTML, with its security headers",
                status == 200 and headers.get("Content-Type", "").startswith("text/html") and
                "default-src 'self'" in headers.get("Content-Security-Policy", ""),
                (status, headers))
        for asset, kind in (("/app.js", "text/javascript"), ("/style.css", "text/css")):
            status, headers, _ = api.call("GET", asset)
            c.check("GET %s: %s" % (asset, kind),
                    status == 200 and headers.get("Content-Type", "").startswith(kind),
                    (status, headers))

        # --- Concurrency, keep-alive, idle clients ----------------------------------------------
        def segment_once(_):
            return api.call("POST", "/v1/segment", {
                "encodedImage": image_b64, "inlineVocabulary": small,
                "labelFormat": "LABEL_FORMAT_RAW", "overrides": FAST})
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(segment_once, range(6)))
        c.check("6 concurrent POST /v1/segment: all 200, identical labels",
                all(r[0] == 200 for r in results) and
                len({r[2]["labels"]["data"] for r in results}) == 1,
                [r[0] for r in results])
        conn = api.connection()
        first = api.call("GET", "/v1/health", connection=conn)
        sock = conn.sock
        second = api.call("GET", "/v1/info", connection=conn)
        c.check("keep-alive: two requests on one connection",
                first[0] == 200 and second[0] == 200 and conn.sock is sock, (first, second))
        conn.close()
        # 12 idle connections against 4 threads: each is closed once idle for keep_alive_timeout
        # (1 s; a request stalled half-way, read_timeout), so a health check still gets through
        # within a few seconds.
        idle = [socket.create_connection(("127.0.0.1", a.http_port)) for _ in range(12)]
        start = time.monotonic()
        status, _, _ = api.call("GET", "/v1/health")
        waited = time.monotonic() - start
        c.check("12 idle connections (cap 4, idle timeout 1 s): health answered in %.1f s" %
                waited, status == 200 and waited < 8, waited)
        for s in idle:
            s.settimeout(10)
            try:
                closed = s.recv(1) == b""
            except (socket.timeout, ConnectionResetError):
                closed = False
            s.close()
            if not closed:
                break
        c.check("the server closed the idle connections", closed)

        # --- Metrics count HTTP calls as gRPC calls ----------------------------------------------
        after = metrics_samples(a.metrics_port)
        grown = {m: requests_total(after, m, k) - requests_total(before, m, k)
                 for m, k in (("Segment", "OK"), ("RegisterClasses", "INVALID_ARGUMENT"),
                              ("ListPresets", "OK"))}
        # Segment OK: 1 + 1 inline + 6 concurrent over HTTP, 1 over gRPC. RegisterClasses
        # INVALID_ARGUMENT: an unknown field, invalid UTF-8, a name empty once cleaned (HTTP),
        # the same over gRPC.
        c.check("metrics: itaclip_requests_total counts the HTTP calls",
                grown == {"Segment": 9, "RegisterClasses": 4, "ListPresets": 1}, grown)
        http_events = [e for e in a.events() if e.get("event") == "rpc" and
                       e.get("transport") == "http"]
        c.check("each HTTP call logs its rpc line (transport http)", len(http_events) >= 20,
                len(http_events))
        channel.close()
    finally:
        for s in servers:
            s.kill()

    # Server B: TLS, bearer tokens, tight limits (429 for pixels, 504 for the time).
    certs = certificates(work)
    tokens = os.path.join(work, "tokens.txt")
    with open(tokens, "w") as f:
        f.write(TOKEN + "\n")
    config = os.path.join(work, "b.textproto")
    with open(config, "w") as f:
        f.write("limits { max_decoded_pixels: 100000 max_request_seconds: 0.000001 }\n")
    b = e2e_server.Server(binary, checkpoint, bpe, os.path.join(work, "b.log"),
                          ["--config", config, "--skip_warmup", "true",
                           "--tls_cert", certs["cert"], "--tls_key", certs["key"],
                           "--bearer_tokens_file", tokens])
    try:
        b.wait_listening()
        context = ssl.create_default_context(cafile=certs["ca"])
        deadline = time.monotonic() + 60
        while Http(b.http_port, "https", context).call("GET", "/v1/health")[0] != 200:
            c.check("B serves within 60 s", time.monotonic() < deadline)
            time.sleep(0.2)
        anonymous = Http(b.http_port, "https", context)
        authorised = Http(b.http_port, "https", context, token=TOKEN)
        status, headers, _ = anonymous.call("GET", "/v1/health")
        c.check("TLS: health needs no token", status == 200)
        error_of(c, "no token: 401", anonymous.call("GET", "/v1/info"), 401, "UNAUTHENTICATED",
                 "bearer token")
        status, headers, _ = anonymous.call("GET", "/v1/info")
        c.check("401 carries WWW-Authenticate: Bearer", headers.get("WWW-Authenticate") ==
                "Bearer", headers)
        error_of(c, "a wrong token: 401", Http(b.http_port, "https", context, "nope").call(
            "GET", "/v1/vocabularies"), 401, "UNAUTHENTICATED", "not valid")
        error_of(c, "no token on POST /v1/segment: 401 before the body is read", anonymous.call(
            "POST", "/v1/segment", raw="{not json"), 401, "UNAUTHENTICATED")
        status, _, body = authorised.call("GET", "/v1/info")
        c.check("with the token: 200", status == 200 and body["version"], (status, body))
        status, _, _ = anonymous.call("GET", "/")
        c.check("the page needs no token (it holds no data)", status == 200, status)
        error_of(c, "an image over max_decoded_pixels: 429", authorised.call(
            "POST", "/v1/segment", {"encodedImage": image_b64, "inlineVocabulary": {
                "classes": [{"names": ["cat"]}]}}), 429, "RESOURCE_EXHAUSTED",
            "max_decoded_pixels")
        error_of(c, "past max_request_seconds: 504", authorised.call(
            "GET", "/v1/vocabularies"), 504, "DEADLINE_EXCEEDED", "max_request_seconds")
        out = subprocess.run(["curl", "-sS", "--cacert", certs["ca"], "-H",
                              "Authorization: Bearer " + TOKEN,
                              "https://127.0.0.1:%d/v1/info" % b.http_port],
                             capture_output=True, text=True)
        c.check("curl --cacert over HTTPS", out.returncode == 0 and '"version"' in out.stdout,
                out.stdout[:200] + out.stderr)
        out = subprocess.run(["curl", "-sS", "http://127.0.0.1:%d/v1/health" % b.http_port],
                             capture_output=True, text=True)
        c.check("plain HTTP to the TLS port is refused", '"SERVING"' not in out.stdout,
                out.stdout[:200])
    finally:
        b.kill()

    # Server D: a drain ends the HTTP calls still running when its grace is over (HTTP has no
    # cancellation of its own: the server cancels them), and the process exits 0.
    d = e2e_server.Server(binary, checkpoint, bpe, os.path.join(work, "d.log"),
                          ["--skip_warmup", "true", "--drain_grace_seconds", "1", "--workers", "1"])
    try:
        d.wait_listening()
        api = Http(d.http_port)
        deadline = time.monotonic() + 60
        while api.call("GET", "/v1/health")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        # A 1,000-class registration (80,000 prompts): far longer than the grace on the tiny model;
        # only the server's cancel stops its build between batches of prompts.
        slow = {"vocabulary": {"classes": [{"names": ["object %d" % i]} for i in range(1000)]}}
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(api.call, "POST", "/v1/vocabularies", slow)
            time.sleep(1.0)  # admitted and under way
            signalled = time.monotonic()
            d.process.send_signal(signal.SIGTERM)
            status, _, body = answer.result(timeout=60)
            answered_s = time.monotonic() - signalled
        code = d.process.wait(timeout=60)
        c.check("drain: the HTTP registration in progress is cancelled after the grace (499 "
                "CANCELLED) in %.1f s" % answered_s,
                status == 499 and body["error"]["status"] == "CANCELLED" and answered_s < 15,
                (status, str(body)[:300], answered_s))
        c.check("drain: the server exits 0", code == 0, code)
    finally:
        d.kill()

    # Server C: still loading (its BPE file a FIFO nobody writes): 503.
    fifo = os.path.join(work, "bpe.fifo")
    os.mkfifo(fifo)
    loading = e2e_server.Server(binary, checkpoint, fifo, os.path.join(work, "c.log"),
                                ["--skip_warmup", "true"])
    try:
        loading.wait_listening()
        api = Http(loading.http_port)
        status, _, body = api.call("GET", "/v1/health")
        c.check("loading: GET /v1/health 503 NOT_SERVING",
                (status, body) == (503, {"status": "NOT_SERVING"}), (status, body))
        error_of(c, "loading: POST /v1/vocabularies 503 UNAVAILABLE", api.call(
            "POST", "/v1/vocabularies", {"vocabulary": {"classes": [{"names": ["cat"]}]}}),
            503, "UNAVAILABLE", "loading")
        c.check("loading: SIGTERM ends it (exit 0)", loading.terminate(30) == 0)
    finally:
        loading.kill()
    return c.exit_code()


if __name__ == "__main__":
    sys.exit(main())
