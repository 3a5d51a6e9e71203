// The command-line flags of itaclip-server (the only ABSL_FLAG definitions of the server) and their
// merge into a ServerConfig. Flag names differ from those of the `itaclip` client
// (client/commands/command_flags.h) so that one binary may link both libraries.
#ifndef ITACLIP_SERVER_CONFIG_SERVER_FLAGS_H_
#define ITACLIP_SERVER_CONFIG_SERVER_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "itaclip/v1/server_config.pb.h"

// Each override flag defaults to a sentinel meaning "not given" ("" for strings, -1 for numbers),
// so that a flag replaces the file's value only when it is on the command line.
ABSL_DECLARE_FLAG(std::string, config);
ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, http_listen);
ABSL_DECLARE_FLAG(std::string, checkpoint);
ABSL_DECLARE_FLAG(std::string, bpe_vocabulary);
ABSL_DECLARE_FLAG(std::string, model_device);
ABSL_DECLARE_FLAG(std::string, dtype);
ABSL_DECLARE_FLAG(std::string, configs_dir);
ABSL_DECLARE_FLAG(std::string, descriptions_dir);
ABSL_DECLARE_FLAG(std::string, store_dir);
ABSL_DECLARE_FLAG(std::string, redis_address);
ABSL_DECLARE_FLAG(std::string, redis_key_prefix);
ABSL_DECLARE_FLAG(int32_t, workers);
ABSL_DECLARE_FLAG(int32_t, max_pending_requests);
ABSL_DECLARE_FLAG(int32_t, max_batch_crops);
ABSL_DECLARE_FLAG(int64_t, batch_memory_bytes);
ABSL_DECLARE_FLAG(std::string, default_preset);
ABSL_DECLARE_FLAG(int64_t, cache_budget_bytes);
ABSL_DECLARE_FLAG(int32_t, cpu_threads);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_client_ca);
ABSL_DECLARE_FLAG(std::string, bearer_tokens_file);
ABSL_DECLARE_FLAG(double, drain_grace_seconds);
ABSL_DECLARE_FLAG(double, max_connection_age_seconds);
ABSL_DECLARE_FLAG(std::string, skip_warmup);

namespace itaclip::server {

// DefaultServerConfig(), then the --config file merged over it (when --config is given), then every
// override flag given on the command line; then ValidateServerConfig. Errors: those of
// LoadServerConfigFile, INVALID_ARGUMENT for a --skip_warmup other than "true"/"false", and the
// validation's INVALID_ARGUMENT.
absl::StatusOr<v1::ServerConfig> ServerConfigFromFlags();

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_CONFIG_SERVER_FLAGS_H_
