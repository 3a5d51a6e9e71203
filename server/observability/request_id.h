// The id that ties a request's log lines together: the client's x-request-id when it is safe to
// log and to echo, else a fresh random one.
#ifndef ITACLIP_SERVER_OBSERVABILITY_REQUEST_ID_H_
#define ITACLIP_SERVER_OBSERVABILITY_REQUEST_ID_H_

#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/string_ref.h"

namespace itaclip::server {

// The metadata key a client sets to choose the id (gRPC metadata keys are lower case).
inline constexpr char kRequestIdMetadataKey[] = "x-request-id";

// True when `id` is 1..128 characters of [A-Za-z0-9._:-]: nothing that could forge a log field or
// an HTTP header when echoed.
bool IsValidRequestId(absl::string_view id);

// The first x-request-id of the metadata (grpc::ServerContext::client_metadata()) when it is valid,
// else NewRequestId().
std::string RequestIdFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// `client_id` (an HTTP X-Request-Id header) when it is valid, else NewRequestId().
std::string RequestIdOrNew(std::optional<absl::string_view> client_id);

// 16 random lower-case hex characters (64 bits). Thread-safe.
std::string NewRequestId();

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_OBSERVABILITY_REQUEST_ID_H_
