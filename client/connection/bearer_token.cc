#include "client/connection/bearer_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

absl::Status CheckTokenCharacters(const std::string& token, const std::string& source) {
  for (const char c : token) {
    // RFC 6750's token68 is a subset of visible ASCII; anything else would be refused by gRPC's
    // metadata validation or split the header. The message names the source only, never the token.
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          absl::StrCat("the bearer token from ", source,
                       " holds a space or a character outside printable ASCII"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ResolveBearerToken(const std::string& token_file,
                                               const char* environment_value) {
  if (!token_file.empty()) {
    ASSIGN_OR_RETURN(std::string content, ReadFileToString(token_file, "token file"));
    std::string token(absl::StripAsciiWhitespace(content));
    if (token.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("token file ", token_file, " is empty"));
    }
    RETURN_IF_ERROR(CheckTokenCharacters(token, absl::StrCat("token file ", token_file)));
    return token;
  }
  if (environment_value == nullptr || *environment_value == '\0') return std::string();
  std::string token(absl::StripAsciiWhitespace(environment_value));
  RETURN_IF_ERROR(CheckTokenCharacters(token, absl::StrCat("$", kTokenEnvironmentVariable)));
  return token;
}

}  // namespace itaclip::client
