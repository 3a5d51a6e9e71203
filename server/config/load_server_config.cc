// Defaults, the text-format file merged over them, validation, and the Limits view of the config.
#include "server/config/load_server_config.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/pipeline/configs_folder.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "server/net/host_port.h"

namespace itaclip::server {
namespace {

// Keeps the first parse error (the parser stops there anyway) with its position, 1-based.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!message_.empty()) return;
    // The parser counts lines and columns from 0; editors count from 1.
    message_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

bool IsKnownDtype(const std::string& dtype) {
  return dtype == "auto" || dtype == "float16" || dtype == "float32" || dtype == "bfloat16";
}

}  // namespace

v1::ServerConfig DefaultServerConfig() {
  v1::ServerConfig config;
  config.set_listen_address("0.0.0.0:50051");
  config.set_metrics_address("0.0.0.0:9464");
  config.set_http_address("0.0.0.0:8080");

  v1::ModelConfig& model = *config.mutable_model();
  model.set_device("");  // empty: "cuda" when available, else "cpu"
  model.set_dtype("auto");
  model.set_configs_dir(ITACLIP_DEFAULT_CONFIG_DIR);
  model.set_templates_file("");  // empty: <configs_dir>/templates/openai_imagenet_80.txt
  model.set_cpu_threads(0);

  v1::SchedulingConfig& scheduling = *config.mutable_scheduling();
  const Limits limits;  // limits.h holds the one copy of the limit defaults
  scheduling.set_workers(2);
  scheduling.set_store_threads(4);
  scheduling.set_registration_threads(1);
  scheduling.set_max_pending_requests(limits.max_pending_requests);
  scheduling.set_max_batch_crops(16);
  scheduling.set_default_preset("voc21");
  scheduling.set_text_batch(0);
  scheduling.set_batch_memory_bytes(int64_t{1} << 30);

  v1::LimitsConfig& limits_config = *config.mutable_limits();
  limits_config.set_max_message_bytes(limits.max_message_bytes);
  limits_config.set_max_decoded_pixels(limits.max_decoded_pixels);
  limits_config.set_max_classes(limits.max_classes);
  limits_config.set_max_names_per_class(limits.max_names_per_class);
  limits_config.set_max_text_bytes(limits.max_text_bytes);
  limits_config.set_max_vocabularies(limits.max_vocabularies);
  limits_config.set_max_display_name_bytes(limits.max_display_name_bytes);
  limits_config.set_max_overrides(limits.max_overrides);
  limits_config.set_max_parameter_bytes(limits.max_parameter_bytes);
  limits_config.set_max_list_values(limits.max_list_values);
  limits_config.set_max_crops_per_request(limits.max_crops_per_request);
  limits_config.set_max_request_seconds(limits.max_request_seconds);
  limits_config.set_max_request_memory_bytes(limits.max_request_memory_bytes);
  limits_config.set_max_server_memory_bytes(limits.max_server_memory_bytes);

  config.mutable_vocabulary()->set_cache_budget_bytes(int64_t{1} << 30);
  // No address: Redis is off. The prefix and timeout apply once an address is given.
  v1::RedisConfig& redis = *config.mutable_vocabulary()->mutable_redis();
  redis.set_key_prefix("itaclip:");
  redis.set_timeout_seconds(2.0);
  // /metrics: http_server.h's defaults (small bodies, short timeouts: scrapers are quick).
  const HttpServerOptions http;
  v1::HttpEndpointConfig& metrics_http = *config.mutable_metrics_http();
  metrics_http.set_max_connections(http.max_connections);
  metrics_http.set_read_timeout_seconds(absl::ToDoubleSeconds(http.read_timeout));
  metrics_http.set_write_timeout_seconds(absl::ToDoubleSeconds(http.write_timeout));
  metrics_http.set_keep_alive_timeout_seconds(absl::ToDoubleSeconds(http.keep_alive_timeout));
  metrics_http.set_max_body_bytes(http.max_body_bytes);
  // The HTTP/JSON API: a connection's thread waits for its call (a segmentation takes seconds on a
  // CPU), so fewer of them than /metrics; a body holds an image in base64 (4/3 of its bytes) within
  // JSON, so it may be half as large again as max_message_bytes; a write may carry a score map.
  v1::HttpEndpointConfig& api_http = *config.mutable_http();
  api_http.set_max_connections(64);
  api_http.set_read_timeout_seconds(5.0);
  api_http.set_write_timeout_seconds(10.0);
  api_http.set_keep_alive_timeout_seconds(5.0);
  api_http.set_max_body_bytes(limits.max_message_bytes / 2 * 3);
  config.mutable_lifecycle()->set_drain_grace_seconds(20.0);
  config.mutable_lifecycle()->set_skip_warmup(false);
  // tls and auth stay empty (plaintext, no bearer token) but present, like every sub-message, so
  // that a config compares equal whether or not flag overrides touched them.
  config.mutable_tls();
  config.mutable_auth();
  return config;
}

absl::StatusOr<v1::ServerConfig> LoadServerConfigFile(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    return absl::NotFoundError(absl::StrCat("server config file not found: ", path));
  }
  if (std::filesystem::is_directory(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("server config path is a directory, not a file: ", path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open server config file ", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read server config file ", path));
  }

  v1::ServerConfig config = DefaultServerConfig();
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  // Unknown fields are refused (the parser's default): a misspelt field must not be ignored.
  if (!parser.MergeFromString(contents.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "server config ", path, ":",
        errors.message().empty() ? std::string(" cannot be parsed") : errors.message()));
  }
  return config;
}

absl::Status ValidateServerConfig(const v1::ServerConfig& config) {
  std::vector<std::string> problems;
  auto require_positive = [&problems](const char* field, int64_t value) {
    if (value < 1) problems.push_back(absl::StrCat(field, " must be > 0 (got ", value, ")"));
  };

  if (config.listen_address().empty()) problems.push_back("listen_address is empty");
  // Port 0 asks the system for a free port, different for each: "host:0" twice is fine.
  const std::pair<const char*, const std::string*> addresses[] = {
      {"listen_address", &config.listen_address()},
      {"metrics_address", &config.metrics_address()},
      {"http_address", &config.http_address()}};
  for (size_t i = 0; i < std::size(addresses); ++i) {
    for (size_t j = i + 1; j < std::size(addresses); ++j) {
      const std::string& a = *addresses[i].second;
      if (!a.empty() && a == *addresses[j].second && !absl::EndsWith(a, ":0")) {
        problems.push_back(absl::StrCat(addresses[j].first, " equals ", addresses[i].first, " (", a,
                                        "); they need distinct ports"));
      }
    }
  }

  const v1::ModelConfig& model = config.model();
  if (model.checkpoint().empty()) problems.push_back("model.checkpoint is required");
  if (model.bpe_vocabulary().empty()) problems.push_back("model.bpe_vocabulary is required");
  if (!IsKnownDtype(model.dtype())) {
    problems.push_back(absl::StrCat("model.dtype \"", model.dtype(),
                                    "\" is not one of auto, float16, float32, bfloat16"));
  }
  if (model.cpu_threads() < 0) {
    problems.push_back(
        absl::StrCat("model.cpu_threads must be >= 0 (got ", model.cpu_threads(), ")"));
  }

  const v1::SchedulingConfig& scheduling = config.scheduling();
  require_positive("scheduling.workers", scheduling.workers());
  require_positive("scheduling.store_threads", scheduling.store_threads());
  require_positive("scheduling.registration_threads", scheduling.registration_threads());
  require_positive("scheduling.max_pending_requests", scheduling.max_pending_requests());
  require_positive("scheduling.max_batch_crops", scheduling.max_batch_crops());
  if (scheduling.text_batch() < 0) {
    problems.push_back(absl::StrCat("scheduling.text_batch must be >= 0 (0: automatic; got ",
                                    scheduling.text_batch(), ")"));
  }
  require_positive("scheduling.batch_memory_bytes", scheduling.batch_memory_bytes());
  if (scheduling.default_preset().empty()) problems.push_back("scheduling.default_preset is empty");

  const v1::LimitsConfig& limits = config.limits();
  require_positive("limits.max_message_bytes", limits.max_message_bytes());
  // gRPC takes the receive limit as an int.
  if (limits.max_message_bytes() > std::numeric_limits<int>::max()) {
    problems.push_back(absl::StrCat("limits.max_message_bytes must be at most ",
                                    std::numeric_limits<int>::max(), " (got ",
                                    limits.max_message_bytes(), ")"));
  }
  require_positive("limits.max_decoded_pixels", limits.max_decoded_pixels());
  require_positive("limits.max_classes", limits.max_classes());
  require_positive("limits.max_names_per_class", limits.max_names_per_class());
  require_positive("limits.max_text_bytes", limits.max_text_bytes());
  require_positive("limits.max_vocabularies", limits.max_vocabularies());
  require_positive("limits.max_display_name_bytes", limits.max_display_name_bytes());
  require_positive("limits.max_overrides", limits.max_overrides());
  require_positive("limits.max_parameter_bytes", limits.max_parameter_bytes());
  require_positive("limits.max_list_values", limits.max_list_values());
  require_positive("limits.max_crops_per_request", limits.max_crops_per_request());
  // At most a day: absl::Seconds of a huge double saturates to an infinite duration.
  if (!(limits.max_request_seconds() > 0.0) || !(limits.max_request_seconds() <= 86400.0)) {
    problems.push_back(
        absl::StrCat("limits.max_request_seconds must be > 0 and at most 86400 (got ",
                     limits.max_request_seconds(), ")"));
  }
  require_positive("limits.max_request_memory_bytes", limits.max_request_memory_bytes());
  require_positive("limits.max_server_memory_bytes", limits.max_server_memory_bytes());
  if (limits.max_request_memory_bytes() > limits.max_server_memory_bytes()) {
    problems.push_back(absl::StrCat(
        "limits.max_request_memory_bytes (", limits.max_request_memory_bytes(),
        ") exceeds limits.max_server_memory_bytes (", limits.max_server_memory_bytes(), ")"));
  }

  require_positive("vocabulary.cache_budget_bytes", config.vocabulary().cache_budget_bytes());
  const v1::RedisConfig& redis = config.vocabulary().redis();
  if (!redis.address().empty()) {
    if (!config.vocabulary().store_dir().empty()) {
      problems.push_back(
          "vocabulary.store_dir and vocabulary.redis.address are both set; choose one store");
    }
    if (absl::StatusOr<HostPort> address = ParseHostPort("redis", redis.address(), /*min_port=*/1);
        !address.ok()) {
      problems.push_back(absl::StrCat("vocabulary.redis.address: ", address.status().message()));
    }
    // At most a day: absl::Seconds of a huge double saturates to an infinite duration.
    if (!(redis.timeout_seconds() > 0.0) || !(redis.timeout_seconds() <= 86400.0)) {
      problems.push_back(
          absl::StrCat("vocabulary.redis.timeout_seconds must be > 0 and at most 86400 (got ",
                       redis.timeout_seconds(), ")"));
    }
  }

  for (const auto& [endpoint, http] : {std::pair<const char*, const v1::HttpEndpointConfig*>{
                                           "metrics_http", &config.metrics_http()},
                                       {"http", &config.http()}}) {
    require_positive(absl::StrCat(endpoint, ".max_connections").c_str(), http->max_connections());
    require_positive(absl::StrCat(endpoint, ".max_body_bytes").c_str(), http->max_body_bytes());
    for (const auto& [name, seconds] :
         {std::pair<const char*, double>{"read_timeout_seconds", http->read_timeout_seconds()},
          {"write_timeout_seconds", http->write_timeout_seconds()},
          {"keep_alive_timeout_seconds", http->keep_alive_timeout_seconds()}}) {
      if (!(seconds > 0.0) || !(seconds <= 3600.0)) {
        problems.push_back(
            absl::StrCat(endpoint, ".", name, " must be > 0 and at most 3600 (got ", seconds, ")"));
      }
    }
  }

  const double grace = config.lifecycle().drain_grace_seconds();
  if (!(grace >= 0.0) || !std::isfinite(grace)) {
    problems.push_back(
        absl::StrCat("lifecycle.drain_grace_seconds must be finite and >= 0 (got ", grace, ")"));
  }

  const double max_age = config.lifecycle().max_connection_age_seconds();
  if (!(max_age >= 0.0) || !std::isfinite(max_age)) {
    problems.push_back(absl::StrCat(
        "lifecycle.max_connection_age_seconds must be finite and >= 0 (got ", max_age, ")"));
  }

  const v1::TlsConfig& tls = config.tls();
  if (!tls.key_file().empty() && tls.cert_file().empty()) {
    problems.push_back("tls.key_file is set without tls.cert_file");
  }
  if (!tls.cert_file().empty() && tls.key_file().empty()) {
    problems.push_back("tls.cert_file is set without tls.key_file");
  }
  if (!tls.client_ca_file().empty() && tls.cert_file().empty()) {
    problems.push_back("tls.client_ca_file (mutual TLS) needs tls.cert_file and tls.key_file");
  }

  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid server config: ", absl::StrJoin(problems, "; ")));
}

HttpServerOptions HttpOptionsFromConfig(const v1::HttpEndpointConfig& http) {
  HttpServerOptions options;
  options.max_connections = http.max_connections();
  options.read_timeout = absl::Seconds(http.read_timeout_seconds());
  options.write_timeout = absl::Seconds(http.write_timeout_seconds());
  options.keep_alive_timeout = absl::Seconds(http.keep_alive_timeout_seconds());
  options.max_body_bytes = http.max_body_bytes();
  return options;
}

Limits LimitsFromConfig(const v1::ServerConfig& config) {
  Limits limits;
  limits.max_message_bytes = config.limits().max_message_bytes();
  limits.max_decoded_pixels = config.limits().max_decoded_pixels();
  limits.max_classes = config.limits().max_classes();
  limits.max_names_per_class = config.limits().max_names_per_class();
  limits.max_text_bytes = config.limits().max_text_bytes();
  limits.max_vocabularies = config.limits().max_vocabularies();
  limits.max_display_name_bytes = config.limits().max_display_name_bytes();
  limits.max_overrides = config.limits().max_overrides();
  limits.max_parameter_bytes = config.limits().max_parameter_bytes();
  limits.max_list_values = config.limits().max_list_values();
  limits.max_crops_per_request = config.limits().max_crops_per_request();
  limits.max_request_seconds = config.limits().max_request_seconds();
  limits.max_request_memory_bytes = config.limits().max_request_memory_bytes();
  limits.max_server_memory_bytes = config.limits().max_server_memory_bytes();
  limits.max_pending_requests = config.scheduling().max_pending_requests();
  return limits;
}

std::string TemplatesFilePath(const v1::ServerConfig& config) {
  if (!config.model().templates_file().empty()) return config.model().templates_file();
  return pipeline::TemplatesFileIn(config.model().configs_dir());
}

}  // namespace itaclip::server
