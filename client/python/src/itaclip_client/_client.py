"""The blocking client."""
import time
from typing import Any, Callable, List, Optional, Sequence, Tuple, TypeVar, Union

import grpc

from . import _requests as rq
from ._errors import from_rpc_error
from ._images import ImageInput
from ._proto.itaclip.v1 import segmentation_service_pb2 as svc
from ._proto.itaclip.v1 import segmentation_service_pb2_grpc as svc_grpc
from ._retry import RetryPolicy
from ._segmentation import Segmentation
from ._vocabulary import Classes, Vocabulary

T = TypeVar("T")


class Client:
    """A connection to an itaclip-server. Thread-safe: one Client can serve many threads (its
    calls share one HTTP/2 connection).

    target: "host:port". token: bearer token sent on every call. tls: None (plaintext), True
    (system roots), a CA bundle path or PEM bytes, or a `Tls`. timeout: deadline of each method
    call in seconds, its retries included (None: 60). retry: a `RetryPolicy` (default: 4 attempts
    for UNAVAILABLE and RESOURCE_EXHAUSTED). options: extra gRPC channel options.
    """

    def __init__(self, target: str, *, token: Optional[str] = None, tls: rq.TlsArg = None,
                 timeout: Optional[float] = None, retry: Optional[RetryPolicy] = None,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        self.timeout = rq.check_timeout(timeout)
        self.retry = retry if retry is not None else RetryPolicy()
        self._metadata = rq.call_metadata(token)
        credentials, tls_options = rq.channel_credentials(tls)
        opts = rq.channel_options(tls_options + list(options))
        self._channel = (grpc.secure_channel(target, credentials, options=opts) if credentials
                         else grpc.insecure_channel(target, options=opts))
        self._stub = svc_grpc.SegmentationServiceStub(self._channel)
        self._health = self._channel.unary_unary(
            rq.HEALTH_CHECK, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=rq.HealthCheckResponse.FromString)

    def close(self) -> None:
        """Closes the connection; calls in flight are cancelled."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _call(self, method: Callable[..., T], request: Any, timeout: Optional[float]) -> T:
        """One RPC with the retry policy, all attempts within the timeout."""
        budget = self.timeout if timeout is None else rq.check_timeout(timeout)
        deadline = time.monotonic() + budget
        attempt = 1
        while True:
            try:
                return method(request, timeout=max(0.0, deadline - time.monotonic()),
                              metadata=self._metadata)
            except grpc.RpcError as e:
                if not self.retry.should_retry(e.code(), attempt):
                    raise from_rpc_error(e) from None
                delay = self.retry.backoff(attempt)
                if time.monotonic() + delay >= deadline:
                    raise from_rpc_error(e) from None
                time.sleep(delay)
                attempt += 1

    def health(self, service: str = "", *, timeout: Optional[float] = None) -> str:
        """The server's health ("SERVING", "NOT_SERVING", ...) for the server as a whole or for
        `service` (e.g. "itaclip.v1.SegmentationService"). Not retried: it is a probe."""
        try:
            response = self._health(rq.health_request(service),
                                    timeout=self.timeout if timeout is None else timeout,
                                    metadata=self._metadata)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        return rq.health_status(response)

    def server_info(self, *, timeout: Optional[float] = None) -> svc.ServerInfo:
        """Version, model, device, presets, default preset and limits of the server."""
        return self._call(self._stub.GetServerInfo, svc.GetServerInfoRequest(), timeout)

    def register_vocabulary(self, classes: Union[Classes, Vocabulary], *,
                            descriptions: Any = None, description_weight: Optional[float] = None,
                            display_name: Optional[str] = None,
                            background_first: Optional[bool] = None,
                            timeout: Optional[float] = None) -> str:
        """Registers a vocabulary (see `Vocabulary` for the forms of each argument) and returns its
        id. The same content always gets the same id; registering it again builds nothing."""
        request = rq.register_request(classes, descriptions, description_weight, display_name,
                                      background_first)
        return self._call(self._stub.RegisterClasses, request, timeout).vocabulary_id

    def list_vocabularies(self, *, definitions: bool = False,
                          timeout: Optional[float] = None) -> List[rq.VocabularyInfo]:
        """Every registered vocabulary, sorted by id (with their definitions when asked)."""
        response = self._call(self._stub.ListVocabularies,
                              svc.ListVocabulariesRequest(include_definitions=definitions), timeout)
        return [rq.vocabulary_info(v) for v in response.vocabularies]

    def get_vocabulary(self, vocabulary_id: str, *,
                       timeout: Optional[float] = None) -> rq.VocabularyInfo:
        """One vocabulary with its definition; NotFound for an unknown id."""
        request = svc.GetVocabularyRequest(vocabulary_id=rq.check_vocabulary_id(vocabulary_id))
        return rq.vocabulary_info(self._call(self._stub.GetVocabulary, request, timeout))

    def delete_vocabulary(self, vocabulary_id: str, *, timeout: Optional[float] = None) -> None:
        """Removes a vocabulary from the store and the device; NotFound for an unknown id."""
        request = svc.DeleteVocabularyRequest(vocabulary_id=rq.check_vocabulary_id(vocabulary_id))
        self._call(self._stub.DeleteVocabulary, request, timeout)

    def segment(self, image: ImageInput, vocabulary: rq.VocabularyRef, *,
                scores: Union[bool, str] = False, preset: Optional[str] = None,
                timeout: Optional[float] = None, **overrides: Any) -> Segmentation:
        """Segments `image` (a path, encoded bytes, an H×W×3 uint8 RGB array or a PIL image)
        against `vocabulary` (an id, or a vocabulary by content as for register_vocabulary: a
        preset name, a list of classes, a `Vocabulary`). scores: True (or "float32"/"float16", the
        precision on the wire) to get the class probabilities. preset: the pipeline preset (None:
        the vocabulary's preset when it is given by preset name, else the server's default).
        overrides: pipeline parameters, e.g. prob_thd=0.2, pamr_steps=0."""
        request, kept = rq.segment_request(image, vocabulary, scores, preset, overrides)
        return rq.segmentation(self._call(self._stub.Segment, request, timeout), kept)
