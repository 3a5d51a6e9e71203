#include "server/vocabulary/redis_credentials.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/common/status_macros.h"
#include "core/text/read_text_file.h"

namespace itaclip::server {
namespace {

// The first line of `path`, or of the environment variable `env` when `path` is empty (empty when
// that is unset too). `what` names the field for messages.
absl::StatusOr<std::string> ReadSecret(const std::string& path, const char* env, const char* what) {
  if (path.empty()) {
    const char* value = std::getenv(env);
    return std::string(value == nullptr ? "" : value);
  }
  absl::StatusOr<std::string> content = text::ReadTextFile(path);
  if (!content.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", content.status().message()));
  }
  std::string line = content->substr(0, content->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " is empty"));
  }
  return line;
}

}  // namespace

absl::StatusOr<RedisCredentials> LoadRedisCredentials(const v1::RedisConfig& config) {
  RedisCredentials credentials;
  ASSIGN_OR_RETURN(credentials.username, ReadSecret(config.username_file(), kRedisUsernameEnv,
                                                    "vocabulary.redis.username_file"));
  ASSIGN_OR_RETURN(credentials.password, ReadSecret(config.password_file(), kRedisPasswordEnv,
                                                    "vocabulary.redis.password_file"));
  if (!credentials.username.empty() && credentials.password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a Redis username is set (vocabulary.redis.username_file or ", kRedisUsernameEnv,
        ") without a password (vocabulary.redis.password_file or ", kRedisPasswordEnv, ")"));
  }
  return credentials;
}

}  // namespace itaclip::server
