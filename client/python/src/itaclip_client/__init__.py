"""itaclip_client: the Python client of itaclip-serve (open-vocabulary semantic segmentation with
ITACLIP over gRPC).

    from itaclip_client import Client
    with Client("localhost:50051") as client:
        seg = client.segment("street.jpg", ["road", "car", ["sky", "clouds"]])
        seg.labels, seg.class_names, seg.overlay()
"""
from ._aio import AsyncClient
from ._client import Client
from ._errors import (DeadlineExceeded, InvalidArgument, ItaclipError, NotFound,
                      ResourceExhausted, Unauthenticated, Unavailable)
from ._requests import DEFAULT_TIMEOUT, Tls, VocabularyInfo
from ._retry import NO_RETRIES, RetryPolicy
from ._segmentation import Segmentation, Timings, class_color
from ._vocabulary import Preset, Vocabulary, load_preset, preset_names

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "Client", "DEFAULT_TIMEOUT", "DeadlineExceeded", "InvalidArgument",
    "ItaclipError", "NO_RETRIES", "NotFound", "Preset", "ResourceExhausted", "RetryPolicy",
    "Segmentation", "Timings", "Tls", "Unauthenticated", "Unavailable", "Vocabulary",
    "VocabularyInfo", "class_color", "load_preset", "preset_names",
]
