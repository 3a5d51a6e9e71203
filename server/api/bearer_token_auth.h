// Optional bearer-token authentication of the API's calls, whatever carries them: the
// `authorization` gRPC metadata or HTTP header must be `Bearer <t>` with one of the configured
// tokens. Tokens are compared in constant time and never logged or echoed in a message.
#ifndef ITACLIP_SERVER_API_BEARER_TOKEN_AUTH_H_
#define ITACLIP_SERVER_API_BEARER_TOKEN_AUTH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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

  // `authorization`: the value of the call's authorization metadata or header, nullopt when it has
  // none. OK, or UNAUTHENTICATED saying what is missing or wrong (never the token itself).
  absl::Status Check(std::optional<absl::string_view> authorization) const;

 private:
  std::vector<std::string> tokens_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_API_BEARER_TOKEN_AUTH_H_
