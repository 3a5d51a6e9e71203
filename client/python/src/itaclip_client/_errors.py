"""One exception type per gRPC status a caller handles differently, each carrying the server's
message, so that callers write `except NotFound:` instead of comparing status codes."""
from typing import Dict, Optional, Type

import grpc


class ItaclipError(Exception):
    """Base of every error this package raises for a failed call.

    `code` is the gRPC status (None for a refusal made by the client itself, before any call),
    `message` the server's (or client's) explanation, `request_id` the server's id of the call when
    it sent one (quote it when asking about a failed call: the server logs it).
    """

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None,
                 request_id: Optional[str] = None) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        prefix = code.name + ": " if code is not None else ""
        super().__init__(prefix + message)


class InvalidArgument(ItaclipError, ValueError):
    """The request is wrong (an undecodable image, an empty vocabulary, a bad override); retrying
    it cannot help. Also raised by the client for input it can refuse before calling."""


class NotFound(ItaclipError):
    """An unknown vocabulary id (deleted, or registered on a server with another store)."""


class ResourceExhausted(ItaclipError):
    """The server is at capacity (max_pending_requests) or the request is over a limit (image
    pixels, message bytes, vocabularies in the store); the message names the limit."""


class Unavailable(ItaclipError):
    """The server cannot be reached, is still loading, or is draining."""


class DeadlineExceeded(ItaclipError):
    """The call's timeout passed before the answer came."""


class Unauthenticated(ItaclipError):
    """No bearer token, or one the server does not accept."""


_BY_CODE: Dict[grpc.StatusCode, Type[ItaclipError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}


def _request_id(error: grpc.RpcError) -> Optional[str]:
    for getter in ("trailing_metadata", "initial_metadata"):
        try:
            metadata = getattr(error, getter)()
        except Exception:  # not every RpcError carries metadata (e.g. a failed connection)
            continue
        for key, value in metadata or ():
            if key == "x-request-id":
                return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def from_rpc_error(error: grpc.RpcError, request_id: Optional[str] = None) -> ItaclipError:
    """The exception for a failed call: the class of its status code (ItaclipError for the codes
    no caller handles specially: INTERNAL, CANCELLED, ...) with the server's message."""
    code = error.code()
    details = error.details() or ""
    cls = _BY_CODE.get(code, ItaclipError)
    return cls(details, code, request_id or _request_id(error))
