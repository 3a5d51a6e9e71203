// The server's configuration: the documented defaults, the text-format file merged over them, the
// checks that refuse an unusable configuration, and the Limits taken from it.
#ifndef ITACLIP_SERVER_CONFIG_LOAD_SERVER_CONFIG_H_
#define ITACLIP_SERVER_CONFIG_LOAD_SERVER_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "itaclip/v1/server_config.pb.h"
#include "server/config/limits.h"
#include "server/net/http_server.h"

namespace itaclip::server {

// Every default documented in proto/itaclip/v1/server_config.proto. The model paths
// (model.checkpoint, model.bpe_vocabulary) have no default, so this alone does not validate.
v1::ServerConfig DefaultServerConfig();

// DefaultServerConfig() with the text-format file at `path` merged over it: the fields the file
// sets replace the defaults, the others keep them. NOT_FOUND when the file does not exist;
// INVALID_ARGUMENT naming the file and the line:column of a syntax error or an unknown field.
// Does not validate (flags may still fill in what the file leaves out).
absl::StatusOr<v1::ServerConfig> LoadServerConfigFile(const std::string& path);

// OK, or INVALID_ARGUMENT listing every problem found (not only the first), each naming the field.
absl::Status ValidateServerConfig(const v1::ServerConfig& config);

// The limits the request path enforces: config.limits plus scheduling.max_pending_requests.
Limits LimitsFromConfig(const v1::ServerConfig& config);

// An HTTP endpoint's settings (config.metrics_http, config.http).
HttpServerOptions HttpOptionsFromConfig(const v1::HttpEndpointConfig& http);

// model.templates_file, or <model.configs_dir>/templates/openai_imagenet_80.txt when it is empty.
std::string TemplatesFilePath(const v1::ServerConfig& config);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_CONFIG_LOAD_SERVER_CONFIG_H_
