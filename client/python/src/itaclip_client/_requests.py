"""What Client and AsyncClient share: the channel's credentials and options, the request messages
built from the methods' arguments, and the answers turned into Python values. The two clients only
differ in how they wait."""
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import grpc

from ._errors import InvalidArgument
from ._images import ImageInput, request_image
from ._proto import itaclip_client_health_pb2 as health_pb2
from ._proto.itaclip.v1 import segmentation_service_pb2 as svc
from ._proto.itaclip.v1 import vocabulary_pb2
from ._segmentation import Segmentation
from ._vocabulary import (VOCABULARY_ID, Classes, Vocabulary, definition_to_vocabulary,
                          to_definition)

DEFAULT_TIMEOUT = 60.0
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
# Score maps of large images are far beyond gRPC's 4 MiB default (the `itaclip` command's default).
DEFAULT_MAX_RECEIVE_BYTES = 1024 << 20

VocabularyRef = Union[str, Vocabulary, Sequence[Any], vocabulary_pb2.VocabularyDefinition]
PathOrBytes = Union[str, "os.PathLike[str]", bytes]


@dataclass(frozen=True)
class Tls:
    """TLS settings. root_certificates: PEM of the CA that signed the server's certificate (path
    or bytes; None: the system's roots). client_certificate / client_key: for mutual TLS.
    server_name: the name to check the server's certificate against when it differs from the
    target's host (gRPC's ssl_target_name_override)."""

    root_certificates: Optional[PathOrBytes] = None
    client_certificate: Optional[PathOrBytes] = None
    client_key: Optional[PathOrBytes] = None
    server_name: Optional[str] = None


TlsArg = Union[None, bool, str, "os.PathLike[str]", bytes, Tls]


@dataclass(frozen=True)
class VocabularyInfo:
    """A registered vocabulary, as list_vocabularies() and get_vocabulary() report it."""

    id: str
    display_name: str
    num_classes: int
    num_queries: int
    resident: bool
    resident_bytes: int
    created_unix_ms: int
    definition: Optional[Vocabulary]


def _pem(value: Optional[PathOrBytes]) -> Optional[bytes]:
    if value is None or isinstance(value, bytes):
        return value
    with open(value, "rb") as f:
        return f.read()


def channel_credentials(tls: TlsArg) -> Tuple[Optional[grpc.ChannelCredentials], List[Tuple]]:
    """(credentials, extra channel options) for `tls`: None/False plaintext, True the system's
    roots, a path or PEM bytes the CA bundle, or a Tls."""
    if tls is None or tls is False:
        return None, []
    if tls is True:
        tls = Tls()
    elif isinstance(tls, (str, os.PathLike, bytes)):
        tls = Tls(root_certificates=tls)
    elif not isinstance(tls, Tls):
        raise TypeError("tls must be None, True, a CA path, PEM bytes or a Tls, got %s" %
                        type(tls).__name__)
    if (tls.client_certificate is None) != (tls.client_key is None):
        raise ValueError("mutual TLS needs both client_certificate and client_key")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_pem(tls.root_certificates), private_key=_pem(tls.client_key),
        certificate_chain=_pem(tls.client_certificate))
    options = [("grpc.ssl_target_name_override", tls.server_name)] if tls.server_name else []
    return credentials, options


def channel_options(extra: Sequence[Tuple[str, Any]]) -> List[Tuple[str, Any]]:
    return [("grpc.max_receive_message_length", DEFAULT_MAX_RECEIVE_BYTES)] + list(extra)


def call_metadata(token: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    """The bearer token as `authorization` metadata (sent on every call; over a plaintext channel
    too, as the `itaclip` command does, so use TLS where the network is not trusted)."""
    if token is None:
        return ()
    token = token.strip()
    if not token or any(c in token for c in "\r\n"):
        raise ValueError("token must be a non-empty single line")
    return (("authorization", "Bearer " + token),)


def check_timeout(timeout: Optional[float]) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if not timeout > 0:
        raise ValueError("timeout must be > 0 seconds, got %r" % (timeout,))
    return float(timeout)


def register_request(classes: Union[Classes, Vocabulary], descriptions: Any,
                     description_weight: Optional[float], display_name: Optional[str],
                     background_first: Optional[bool]) -> svc.RegisterClassesRequest:
    if isinstance(classes, (Vocabulary, vocabulary_pb2.VocabularyDefinition)):
        if (descriptions is not None or description_weight is not None or
                background_first is not None):
            raise InvalidArgument("give descriptions, description_weight and background_first "
                                  "inside the Vocabulary, not beside it")
        definition = to_definition(classes)
    else:
        definition = to_definition(Vocabulary(classes, descriptions, description_weight,
                                              background_first))
    return svc.RegisterClassesRequest(vocabulary=definition, display_name=display_name or "")


def _override_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_override_value(key, v) for v in value)
    raise InvalidArgument("override %s: a number, bool, str or list of numbers, got %r" %
                          (key, value))


def segment_request(image: ImageInput, vocabulary: VocabularyRef, scores: Union[bool, str],
                    preset: Optional[str], overrides: Dict[str, Any]
                    ) -> Tuple[svc.SegmentRequest, Any]:
    """The SegmentRequest, and what the Segmentation keeps for overlay()."""
    fields, kept = request_image(image)
    request = svc.SegmentRequest(label_format=svc.LABEL_FORMAT_RAW, **fields)
    if isinstance(vocabulary, str) and VOCABULARY_ID.match(vocabulary):
        request.vocabulary_id = vocabulary
    else:
        request.inline_vocabulary.CopyFrom(to_definition(vocabulary))
        if preset is None and isinstance(vocabulary, str):
            preset = vocabulary  # a preset's classes: its pipeline parameters too
    if preset:
        request.preset = preset
    if scores is True or scores == "float32":
        request.score_format = svc.SCORE_FORMAT_FLOAT32
    elif scores == "float16":
        request.score_format = svc.SCORE_FORMAT_FLOAT16
    elif scores is not False and scores is not None:
        raise InvalidArgument("scores must be False, True, 'float32' or 'float16', got %r" %
                              (scores,))
    for key, value in overrides.items():
        request.overrides[key] = _override_value(key, value)
    return request, kept


def segmentation(response: svc.SegmentResponse, kept: Any) -> Segmentation:
    return Segmentation(response, kept)


def vocabulary_info(info: svc.VocabularyInfo) -> VocabularyInfo:
    return VocabularyInfo(
        id=info.id, display_name=info.display_name, num_classes=info.num_classes,
        num_queries=info.num_queries, resident=info.resident, resident_bytes=info.resident_bytes,
        created_unix_ms=info.created_unix_ms,
        definition=definition_to_vocabulary(info.definition) if info.HasField("definition")
        else None)


def check_vocabulary_id(vocabulary_id: str) -> str:
    if not isinstance(vocabulary_id, str) or not VOCABULARY_ID.match(vocabulary_id):
        raise InvalidArgument("%r is not a vocabulary id (voc-<32 hex digits>)" % (vocabulary_id,))
    return vocabulary_id


def health_request(service: str) -> health_pb2.HealthCheckRequest:
    return health_pb2.HealthCheckRequest(service=service)


def health_status(response: health_pb2.HealthCheckResponse) -> str:
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


HealthCheckResponse = health_pb2.HealthCheckResponse
