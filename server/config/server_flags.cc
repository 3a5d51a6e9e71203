// Defines the server's flags and applies the ones given on the command line over the config file.
#include "server/config/server_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "server/config/load_server_config.h"

ABSL_FLAG(std::string, config, "",
          "server config file (text-format itaclip.v1.ServerConfig, e.g. "
          "configs/server/itaclip-server.textproto, which also shows every default); the flags "
          "below override it, and anything neither sets keeps its default");
// Overrides. "" (strings) and -1 (numbers) mean "not given": the config file's value stays.
ABSL_FLAG(std::string, listen, "", "gRPC listen address, host:port (listen_address)");
ABSL_FLAG(std::string, metrics_listen, "",
          "Prometheus /metrics address, host:port (metrics_address); \"none\" disables the "
          "endpoint");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP/JSON API and web page address, host:port (http_address); \"none\" disables it");
ABSL_FLAG(std::string, checkpoint, "",
          "CLIP checkpoint: OpenAI TorchScript .pt, OpenAI or Hugging Face safetensors "
          "(model.checkpoint; required here or in --config)");
ABSL_FLAG(std::string, bpe_vocabulary, "",
          "BPE vocabulary: bpe_simple_vocab_16e6.txt.gz or a Hugging Face vocab.json "
          "(model.bpe_vocabulary; required here or in --config)");
ABSL_FLAG(std::string, model_device, "",
          "cpu, cuda or cuda:N (model.device; default: cuda when available, else cpu)");
ABSL_FLAG(std::string, dtype, "",
          "auto, float16, float32 or bfloat16 (model.dtype; auto: fp16 on CUDA, fp32 on "
          "CPU)");
ABSL_FLAG(std::string, configs_dir, "",
          "folder with presets/ and templates/ (model.configs_dir; default: the build's configs/)");
ABSL_FLAG(std::string, descriptions_dir, "",
          "folder of the published class descriptions, <preset>_definitions.txt or "
          "<preset>_synonyms.txt, that the web page offers with the presets "
          "(model.descriptions_dir)");
ABSL_FLAG(std::string, store_dir, "",
          "folder where registered vocabularies persist (vocabulary.store_dir; default: memory "
          "only)");
ABSL_FLAG(std::string, redis_address, "",
          "Redis host:port holding the vocabularies, shared by every replica "
          "(vocabulary.redis.address; default: none; excludes --store_dir)");
ABSL_FLAG(std::string, redis_key_prefix, "",
          "prefix of the Redis keys (vocabulary.redis.key_prefix)");
ABSL_FLAG(int32_t, workers, -1, "CPU workers (scheduling.workers; -1: not given)");
ABSL_FLAG(int32_t, max_pending_requests, -1,
          "admitted, unanswered requests before RESOURCE_EXHAUSTED "
          "(scheduling.max_pending_requests; -1: not given)");
ABSL_FLAG(int32_t, max_batch_crops, -1,
          "crops per device batch (scheduling.max_batch_crops; -1: not given)");
ABSL_FLAG(int64_t, batch_memory_bytes, -1,
          "activation budget of one device batch, bytes (scheduling.batch_memory_bytes; -1: not "
          "given)");
ABSL_FLAG(std::string, default_preset, "",
          "preset for requests that name none (scheduling.default_preset)");
ABSL_FLAG(int64_t, cache_budget_bytes, -1,
          "bytes of resident vocabulary embeddings (vocabulary.cache_budget_bytes; -1: not given)");
ABSL_FLAG(int32_t, cpu_threads, -1,
          "LibTorch intra-op threads (model.cpu_threads; 0: the CPUs the process may use, from its "
          "affinity mask and cgroup quota; -1: not given)");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain; enables TLS (tls.cert_file)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert (tls.key_file)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; clients must present a certificate it signed (tls.client_ca_file)");
ABSL_FLAG(std::string, bearer_tokens_file, "",
          "file with the accepted bearer tokens, one per line (auth.bearer_tokens_file)");
ABSL_FLAG(double, drain_grace_seconds, -1,
          "on SIGTERM, seconds given to requests in flight (lifecycle.drain_grace_seconds; -1: not "
          "given)");
ABSL_FLAG(double, max_connection_age_seconds, -1,
          "close connections older than this, gracefully (lifecycle.max_connection_age_seconds; "
          "0: never; -1: not given)");
ABSL_FLAG(std::string, skip_warmup, "",
          "\"true\" serves without the warm-up segmentation (tests only), \"false\" forces it; "
          "\"\": not given (lifecycle.skip_warmup)");

namespace itaclip::server {
namespace {

// The value an address flag (metrics_listen, http_listen) takes to turn its endpoint off (""
// already means "not given").
constexpr char kEndpointDisabled[] = "none";

void OverrideString(const absl::Flag<std::string>& flag, std::string* field) {
  std::string value = absl::GetFlag(flag);
  if (!value.empty()) *field = std::move(value);
}

// An endpoint's address: the flag's, or none for "none".
void OverrideAddress(const absl::Flag<std::string>& flag, std::string* field) {
  if (absl::GetFlag(flag) == kEndpointDisabled) {
    field->clear();
  } else {
    OverrideString(flag, field);
  }
}

// The flag's value when given, else `current`. Only the sentinel -1 means "not given": other
// negative values go on to validation, which names them, rather than being silently ignored.
template <typename T>
T NumberFlagOr(const absl::Flag<T>& flag, T current) {
  const T value = absl::GetFlag(flag);
  return value == T{-1} ? current : value;
}

absl::Status ApplyFlagOverrides(v1::ServerConfig& config) {
  OverrideString(FLAGS_listen, config.mutable_listen_address());
  OverrideAddress(FLAGS_metrics_listen, config.mutable_metrics_address());
  OverrideAddress(FLAGS_http_listen, config.mutable_http_address());

  v1::ModelConfig& model = *config.mutable_model();
  OverrideString(FLAGS_checkpoint, model.mutable_checkpoint());
  OverrideString(FLAGS_bpe_vocabulary, model.mutable_bpe_vocabulary());
  OverrideString(FLAGS_model_device, model.mutable_device());
  OverrideString(FLAGS_dtype, model.mutable_dtype());
  OverrideString(FLAGS_configs_dir, model.mutable_configs_dir());
  OverrideString(FLAGS_descriptions_dir, model.mutable_descriptions_dir());
  model.set_cpu_threads(NumberFlagOr(FLAGS_cpu_threads, model.cpu_threads()));

  v1::SchedulingConfig& scheduling = *config.mutable_scheduling();
  scheduling.set_workers(NumberFlagOr(FLAGS_workers, scheduling.workers()));
  scheduling.set_max_pending_requests(
      NumberFlagOr(FLAGS_max_pending_requests, scheduling.max_pending_requests()));
  scheduling.set_max_batch_crops(NumberFlagOr(FLAGS_max_batch_crops, scheduling.max_batch_crops()));
  scheduling.set_batch_memory_bytes(
      NumberFlagOr(FLAGS_batch_memory_bytes, scheduling.batch_memory_bytes()));
  OverrideString(FLAGS_default_preset, scheduling.mutable_default_preset());

  v1::VocabularyConfig& vocabulary = *config.mutable_vocabulary();
  OverrideString(FLAGS_store_dir, vocabulary.mutable_store_dir());
  OverrideString(FLAGS_redis_address, vocabulary.mutable_redis()->mutable_address());
  OverrideString(FLAGS_redis_key_prefix, vocabulary.mutable_redis()->mutable_key_prefix());
  vocabulary.set_cache_budget_bytes(
      NumberFlagOr(FLAGS_cache_budget_bytes, vocabulary.cache_budget_bytes()));

  v1::TlsConfig& tls = *config.mutable_tls();
  OverrideString(FLAGS_tls_cert, tls.mutable_cert_file());
  OverrideString(FLAGS_tls_key, tls.mutable_key_file());
  OverrideString(FLAGS_tls_client_ca, tls.mutable_client_ca_file());
  OverrideString(FLAGS_bearer_tokens_file, config.mutable_auth()->mutable_bearer_tokens_file());

  v1::LifecycleConfig& lifecycle = *config.mutable_lifecycle();
  lifecycle.set_drain_grace_seconds(
      NumberFlagOr(FLAGS_drain_grace_seconds, lifecycle.drain_grace_seconds()));
  lifecycle.set_max_connection_age_seconds(
      NumberFlagOr(FLAGS_max_connection_age_seconds, lifecycle.max_connection_age_seconds()));
  const std::string skip_warmup = absl::GetFlag(FLAGS_skip_warmup);
  if (skip_warmup == "true") {
    lifecycle.set_skip_warmup(true);
  } else if (skip_warmup == "false") {
    lifecycle.set_skip_warmup(false);
  } else if (!skip_warmup.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--skip_warmup must be \"true\" or \"false\" (got \"", skip_warmup, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ServerConfig> ServerConfigFromFlags() {
  v1::ServerConfig config = DefaultServerConfig();
  const std::string config_file = absl::GetFlag(FLAGS_config);
  if (!config_file.empty()) {
    ASSIGN_OR_RETURN(config, LoadServerConfigFile(config_file));
  }
  RETURN_IF_ERROR(ApplyFlagOverrides(config));
  RETURN_IF_ERROR(ValidateServerConfig(config));
  return config;
}

}  // namespace itaclip::server
