"""The asyncio client (grpc.aio): Client's methods as coroutines."""
import asyncio
import time
from typing import Any, Awaitable, Callable, List, Optional, Sequence, Tuple, TypeVar, Union

import grpc
import grpc.aio

from . import _requests as rq
from ._errors import from_rpc_error
from ._images import ImageInput
from ._proto.itaclip.v1 import segmentation_service_pb2 as svc
from ._proto.itaclip.v1 import segmentation_service_pb2_grpc as svc_grpc
from ._retry import RetryPolicy
from ._segmentation import Segmentation
from ._vocabulary import Classes, Vocabulary

T = TypeVar("T")


class AsyncClient:
    """Client for asyncio code: the same arguments, the same methods, awaited. Create it inside
    the event loop that uses it (`async with AsyncClient(...) as client:`)."""

    def __init__(self, target: str, *, token: Optional[str] = None, tls: rq.TlsArg = None,
                 timeout: Optional[float] = None, retry: Optional[RetryPolicy] = None,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        self.timeout = rq.check_timeout(timeout)
        self.retry = retry if retry is not None else RetryPolicy()
        self._metadata = rq.call_metadata(token)
        credentials, tls_options = rq.channel_credentials(tls)
        opts = rq.channel_options(tls_options + list(options))
        self._channel = (grpc.aio.secure_channel(target, credentials, options=opts) if credentials
                         else grpc.aio.insecure_channel(target, options=opts))
        self._stub = svc_grpc.SegmentationServiceStub(self._channel)
        self._health = self._channel.unary_unary(
            rq.HEALTH_CHECK, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=rq.HealthCheckResponse.FromString)

    async def close(self) -> None:
        """Closes the connection; calls in flight are cancelled."""
        await self._channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def _call(self, method: Callable[..., Awaitable[T]], request: Any,
                    timeout: Optional[float]) -> T:
        budget = self.timeout if timeout is None else rq.check_timeout(timeout)
        deadline = time.monotonic() + budget
        attempt = 1
        while True:
            try:
                return await method(request, timeout=max(0.0, deadline - time.monotonic()),
                                    metadata=self._metadata)
            except grpc.RpcError as e:
                if not self.retry.should_retry(e.code(), attempt):
                    raise from_rpc_error(e) from None
                delay = self.retry.backoff(attempt)
                if time.monotonic() + delay >= deadline:
                    raise from_rpc_error(e) from None
                await asyncio.sleep(delay)
                attempt += 1

    async def health(self, service: str = "", *, timeout: Optional[float] = None) -> str:
        """See Client.health."""
        try:
            response = await self._health(rq.health_request(service),
                                          timeout=self.timeout if timeout is None else timeout,
                                          metadata=self._metadata)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        return rq.health_status(response)

    async def server_info(self, *, timeout: Optional[float] = None) -> svc.ServerInfo:
        """See Client.server_info."""
        return await self._call(self._stub.GetServerInfo, svc.GetServerInfoRequest(), timeout)

    async def register_vocabulary(self, classes: Union[Classes, Vocabulary], *,
                                  descriptions: Any = None,
                                  description_weight: Optional[float] = None,
                                  display_name: Optional[str] = None,
                                  background_first: Optional[bool] = None,
                                  timeout: Optional[float] = None) -> str:
        """See Client.register_vocabulary."""
        request = rq.register_request(classes, descriptions, description_weight, display_name,
                                      background_first)
        return (await self._call(self._stub.RegisterClasses, request, timeout)).vocabulary_id

    async def list_vocabularies(self, *, definitions: bool = False,
                                timeout: Optional[float] = None) -> List[rq.VocabularyInfo]:
        """See Client.list_vocabularies."""
        response = await self._call(self._stub.ListVocabularies,
                                    svc.ListVocabulariesRequest(include_definitions=definitions),
                                    timeout)
        return [rq.vocabulary_info(v) for v in response.vocabularies]

    async def get_vocabulary(self, vocabulary_id: str, *,
                             timeout: Optional[float] = None) -> rq.VocabularyInfo:
        """See Client.get_vocabulary."""
        request = svc.GetVocabularyRequest(vocabulary_id=rq.check_vocabulary_id(vocabulary_id))
        return rq.vocabulary_info(await self._call(self._stub.GetVocabulary, request, timeout))

    async def delete_vocabulary(self, vocabulary_id: str, *,
                                timeout: Optional[float] = None) -> None:
        """See Client.delete_vocabulary."""
        request = svc.DeleteVocabularyRequest(vocabulary_id=rq.check_vocabulary_id(vocabulary_id))
        await self._call(self._stub.DeleteVocabulary, request, timeout)

    async def segment(self, image: ImageInput, vocabulary: rq.VocabularyRef, *,
                      scores: Union[bool, str] = False, preset: Optional[str] = None,
                      timeout: Optional[float] = None, **overrides: Any) -> Segmentation:
        """See Client.segment. The image is read and prepared before the call, in this thread."""
        request, kept = rq.segment_request(image, vocabulary, scores, preset, overrides)
        return rq.segmentation(await self._call(self._stub.Segment, request, timeout), kept)
