// Finds the bearer token the client sends (a file, or the ITACLIP_TOKEN environment variable) and
// checks that it can travel as gRPC metadata. The token itself never appears in a message.
#ifndef ITACLIP_CLIENT_CONNECTION_BEARER_TOKEN_H_
#define ITACLIP_CLIENT_CONNECTION_BEARER_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"

namespace itaclip::client {

// The environment variable read when no token file is given.
inline constexpr char kTokenEnvironmentVariable[] = "ITACLIP_TOKEN";

// The token from `token_file` when it is not empty (surrounding whitespace, such as the final
// newline an editor adds, is dropped), else from `environment_value` (nullptr or "" when the
// variable is unset), else "" for no token. Errors: the file's read errors; INVALID_ARGUMENT when
// the file holds only whitespace, or when the token holds a character outside printable ASCII or a
// space (metadata values cannot carry them; the message names the source, never the token).
absl::StatusOr<std::string> ResolveBearerToken(const std::string& token_file,
                                               const char* environment_value);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_CONNECTION_BEARER_TOKEN_H_
