// Where the shared store's Redis credentials come from: a file (a mounted Kubernetes secret) or the
// environment, never a flag or the config file's text, which end up in process listings, shell
// history, manifests and logs.
//   password: vocabulary.redis.password_file, else $ITACLIP_REDIS_PASSWORD; neither: no AUTH.
//   username: vocabulary.redis.username_file, else $ITACLIP_REDIS_USERNAME; neither: `AUTH
//             password` (Redis's default user).
// A file holds the value on its first line (a trailing "\n" or "\r\n" is not part of it).
#ifndef ITACLIP_SERVER_VOCABULARY_REDIS_CREDENTIALS_H_
#define ITACLIP_SERVER_VOCABULARY_REDIS_CREDENTIALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "itaclip/v1/server_config.pb.h"

namespace itaclip::server {

struct RedisCredentials {
  std::string username;  // empty: Redis's default user
  std::string password;  // empty: no AUTH
};

// The environment variables read when the config names no file.
inline constexpr char kRedisUsernameEnv[] = "ITACLIP_REDIS_USERNAME";
inline constexpr char kRedisPasswordEnv[] = "ITACLIP_REDIS_PASSWORD";

// INVALID_ARGUMENT naming the file (never what it holds) when a named file cannot be read or its
// first line is empty, and when a username comes without a password.
absl::StatusOr<RedisCredentials> LoadRedisCredentials(const v1::RedisConfig& config);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_REDIS_CREDENTIALS_H_
