#include "server/api/bearer_token_auth.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace itaclip::server {
namespace {

// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

absl::StatusOr<BearerTokenAuth> BearerTokenAuth::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read the bearer token file " + path);
  std::stringstream content;
  content << in.rdbuf();
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(content.str(), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    tokens.emplace_back(line);
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError("the bearer token file " + path + " holds no token");
  }
  return FromTokens(std::move(tokens));
}

BearerTokenAuth BearerTokenAuth::FromTokens(std::vector<std::string> tokens) {
  BearerTokenAuth auth;
  auth.tokens_ = std::move(tokens);
  return auth;
}

absl::Status BearerTokenAuth::Check(std::optional<absl::string_view> authorization) const {
  if (!enabled()) return absl::OkStatus();
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "this server requires a bearer token: send `authorization: Bearer <token>` (gRPC metadata "
        "or HTTP header)");
  }
  const absl::string_view value = *authorization;
  constexpr absl::string_view kScheme = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError(
        "the authorization metadata or header is not of the form `Bearer <token>`");
  }
  const absl::string_view presented = value.substr(kScheme.size());
  bool match = false;
  for (const std::string& token : tokens_) match |= ConstantTimeEquals(presented, token);
  if (!match) return absl::UnauthenticatedError("the bearer token is not valid");
  return absl::OkStatus();
}

}  // namespace itaclip::server
