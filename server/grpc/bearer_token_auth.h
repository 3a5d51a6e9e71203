// Optional bearer-token authentication of SegmentationService calls: `authorization: Bearer <t>`
// must carry one of the configured tokens. Tokens are compared in constant time and never logged or
// echoed in a message.
#ifndef ITACLIP_SERVER_GRPC_BEARER_TOKEN_AUTH_H_
#define ITACLIP_SERVER_GRPC_BEARER_TOKEN_AUTH_H_

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace itaclip::server {

class BearerTokenAuth {
 public:
  // No tokens: every call is let through.
  BearerTokenAuth() = default;

  // One token per line; blank lines and lines starting with '#' are skipped. INVALID_ARGUMENT when
  // the file holds no token, NOT_FOUND when it cannot be read.
  static absl::StatusOr<BearerTokenAuth> FromFile(const std::string& path);
  static BearerTokenAuth FromTokens(std::vector<std::string> tokens);

  bool enabled() const { return !tokens_.empty(); }

  // OK, or UNAUTHENTICATED saying what is missing or wrong (never the token itself).
  absl::Status Check(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

 private:
  std::vector<std::string> tokens_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_BEARER_TOKEN_AUTH_H_
