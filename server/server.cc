#include "server/server.h"

#include <ATen/Context.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/clip/clip_model.h"
#include "core/common/cpu_threads.h"
#include "core/common/device.h"
#include "core/common/device_memory.h"
#include "core/common/status_macros.h"
#include "core/pipeline/configs_folder.h"
#include "core/pipeline/model_bundle.h"
#include "core/text/text_embedder.h"
#include "server/api/bearer_token_auth.h"
#include "server/api/segmentation_api.h"
#include "server/config/load_server_config.h"
#include "server/grpc/segmentation_service.h"
#include "server/grpc/server_credentials.h"
#include "server/http/http_api.h"
#include "server/lifecycle/health_state.h"
#include "server/lifecycle/warmup.h"
#include "server/observability/log.h"
#include "server/observability/metrics_endpoint.h"
#include "server/observability/server_metrics.h"
#include "server/scheduling/admission_control.h"
#include "server/scheduling/device_batcher.h"
#include "server/scheduling/segment_executor.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/embedding_cache.h"
#include "server/vocabulary/open_vocabulary_store.h"
#include "server/vocabulary/store_health.h"
#include "server/vocabulary/vocabulary_definition.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

// Declared in the order they are built; destroyed in reverse.
struct Server::Parts {
  v1::ServerConfig config;
  ServerMetrics metrics;
  std::unique_ptr<MetricsEndpoint> metrics_endpoint;
  std::unique_ptr<SegmentationApi> api;  // the handlers, which both transports call
  std::unique_ptr<SegmentationService> service;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::unique_ptr<HttpApi> http_api;

  pipeline::ModelBundle bundle;  // the model, tokenizer, templates, text embedder and presets
  std::unique_ptr<VocabularyStore> store;
  std::unique_ptr<StoreHealthMonitor> store_health;
  std::unique_ptr<WorkerPool> store_io;  // the threads that wait on the store for the handlers
  std::unique_ptr<EmbeddingCache> cache;
  std::unique_ptr<VocabularyRegistry> registry;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<WorkerPool> registrations;  // RegisterClasses calls, apart from the workers
  std::unique_ptr<DeviceBatcher> batcher;
  std::unique_ptr<AdmissionControl> admission;
  std::unique_ptr<SegmentExecutor> executor;
  ServingParts serving;

  absl::Mutex drain_mu;
  bool drained ABSL_GUARDED_BY(drain_mu) = false;
  absl::Notification stopped;
};

namespace {

absl::StatusOr<c10::Device> ChooseDevice(const v1::ModelConfig& model) {
  if (model.device().empty()) return c10::Device(at::hasCUDA() ? c10::kCUDA : c10::kCPU);
  return ParseDevice(model.device());
}

c10::ScalarType ChooseDtype(const std::string& dtype, const c10::Device& device) {
  if (dtype == "float16") return c10::kHalf;
  if (dtype == "float32") return c10::kFloat;
  if (dtype == "bfloat16") return c10::kBFloat16;
  return DefaultComputeDtype(device);  // "auto" (ValidateServerConfig allows nothing else)
}

// Copies each field of `from` into the field of `to` with the same name and type (singular
// scalars only; the others are left as they are).
void CopySameNamedFields(const google::protobuf::Message& from, google::protobuf::Message* to) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* in = from.GetReflection();
  const google::protobuf::Reflection* out = to->GetReflection();
  const google::protobuf::Descriptor* to_type = to->GetDescriptor();
  for (int i = 0; i < from.GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor* source = from.GetDescriptor()->field(i);
    const FieldDescriptor* target = to_type->FindFieldByName(source->name());
    if (target == nullptr || target->is_repeated() || source->is_repeated() ||
        target->cpp_type() != source->cpp_type()) {
      continue;
    }
    switch (source->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        out->SetInt32(to, target, in->GetInt32(from, source));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        out->SetInt64(to, target, in->GetInt64(from, source));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        out->SetDouble(to, target, in->GetDouble(from, source));
        break;
      default:
        break;
    }
  }
}

std::string Architecture(const checkpoint::ClipConfig& c) {
  const checkpoint::ClipConfig b16 = checkpoint::VitB16ClipConfig();
  if (c.vision_width == b16.vision_width && c.vision_layers == b16.vision_layers &&
      c.patch_size == b16.patch_size && c.embed_dim == b16.embed_dim) {
    return "ViT-B/16";
  }
  return absl::StrCat("ViT (width ", c.vision_width, ", ", c.vision_layers, " layers, patch ",
                      c.patch_size, ")");
}

// Server reflection on one builder, or none. Linking grpc++_reflection registers its plugin for
// every builder of the process at static initialisation, whatever the server's authentication;
// this option puts it in (once) or takes it out.
class ReflectionOption : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    const std::string name = grpc::reflection::ProtoServerReflectionPlugin().name();
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [&name](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
                                    return p->name() == name;
                                  }),
                   plugins->end());
    if (enabled_) {
      plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  const bool enabled_;
};

absl::Status StartTransport(const v1::ServerConfig& config, Server::Parts& parts) {
  if (!config.metrics_address().empty()) {
    ASSIGN_OR_RETURN(parts.metrics_endpoint,
                     MetricsEndpoint::Start(config.metrics_address(), parts.metrics,
                                            HttpOptionsFromConfig(config.metrics_http())));
  }
  BearerTokenAuth auth;
  const bool tokens_required = !config.auth().bearer_tokens_file().empty();
  if (tokens_required) {
    ASSIGN_OR_RETURN(auth, BearerTokenAuth::FromFile(config.auth().bearer_tokens_file()));
  }
  const Limits limits = LimitsFromConfig(config);
  parts.api = std::make_unique<SegmentationApi>(limits, config.scheduling().default_preset());
  parts.service = std::make_unique<SegmentationService>(parts.api.get(), auth, &parts.metrics);
  if (!config.http_address().empty()) {
    HttpApiOptions http;
    http.http = HttpOptionsFromConfig(config.http());
    http.http.tls.cert_file = config.tls().cert_file();
    http.http.tls.key_file = config.tls().key_file();
    http.http.tls.client_ca_file = config.tls().client_ca_file();
    http.preset_files.configs_dir = config.model().configs_dir();
    http.preset_files.descriptions_dir = config.model().descriptions_dir();
    ASSIGN_OR_RETURN(parts.http_api, HttpApi::Start(config.http_address(), http, parts.api.get(),
                                                    auth, &parts.metrics));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   MakeServerCredentials(config.tls()));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // Reflection describes the whole API; it cannot check a token, so a server that requires tokens
  // does not offer it (health stays open for probes).
  builder.SetOption(std::make_unique<ReflectionOption>(/*enabled=*/!tokens_required));
  // gRPC sets SO_REUSEPORT by default on Linux: a second server on a busy port would then start
  // and silently share its connections. Refusing the bind makes "address in use" an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen_address(), credentials, &parts.port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(limits.max_message_bytes));
  if (const double max_age = config.lifecycle().max_connection_age_seconds(); max_age > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, static_cast<int>(max_age * 1000));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30'000);
  }
  builder.RegisterService(parts.service.get());
  parts.grpc_server = builder.BuildAndStart();
  if (parts.grpc_server == nullptr || parts.port == 0) {
    return absl::UnavailableError(
        absl::StrCat("could not listen on ", config.listen_address(), " (address in use?)"));
  }
  SetHealth(parts.grpc_server->GetHealthCheckService(), false);
  Log(LogLevel::kInfo, "listening")
      .With("address", config.listen_address())
      .With("port", parts.port)
      .With("tls", !config.tls().cert_file().empty())
      .With("mutual_tls", !config.tls().client_ca_file().empty())
      .With("bearer_tokens", tokens_required)
      .With("reflection", !tokens_required)
      .With("metrics_port", parts.metrics_endpoint ? parts.metrics_endpoint->port() : 0)
      .With("http_port", parts.http_api ? parts.http_api->port() : 0);
  return absl::OkStatus();
}

absl::StatusOr<pipeline::ModelBundle> LoadModelBundle(const v1::ServerConfig& config) {
  const v1::ModelConfig& model_config = config.model();
  ConfigureCpuThreads(model_config.cpu_threads());
  pipeline::ModelBundleOptions options;
  options.checkpoint = model_config.checkpoint();
  ASSIGN_OR_RETURN(options.device, ChooseDevice(model_config));
  options.dtype = ChooseDtype(model_config.dtype(), options.device);
  options.bpe_vocabulary = model_config.bpe_vocabulary();
  options.templates_file = TemplatesFilePath(config);
  options.presets_dir = pipeline::PresetsDirIn(model_config.configs_dir());
  options.default_preset = config.scheduling().default_preset();
  const absl::Time load_start = absl::Now();
  ASSIGN_OR_RETURN(pipeline::ModelBundle bundle, pipeline::ModelBundle::Load(options));
  Log(LogLevel::kInfo, "model_loaded")
      .With("checkpoint", model_config.checkpoint())
      .With("device", bundle.device.str())
      .With("dtype", std::string(c10::toString(bundle.dtype)))
      .With("architecture", Architecture(bundle.model->config()))
      .With("ms", absl::ToDoubleMilliseconds(absl::Now() - load_start));
  return bundle;
}

// Prompts per text-tower batch: the configured text_batch, or the device's default when it is 0.
// Both the builds and their memory estimate (ServingParts::text_batch) use this number.
int64_t TextBatch(const v1::ServerConfig& config, const clip::ClipModel& model) {
  const int64_t configured = config.scheduling().text_batch();
  return configured > 0 ? configured : clip::DefaultTextBatch(model.device());
}

// The vocabulary store, its health monitor and I/O threads, the embedding cache and the registry;
// returns the function that builds a vocabulary's embeddings (the warm-up uses it too).
absl::StatusOr<EmbeddingBuilder> BuildVocabularyParts(const v1::ServerConfig& config,
                                                      Server::Parts& parts) {
  ASSIGN_OR_RETURN(parts.store, OpenVocabularyStore(config.vocabulary()));
  Log(LogLevel::kInfo, "vocabulary_store").With("store", parts.store->Describe());
  parts.store_health = std::make_unique<StoreHealthMonitor>(parts.store.get(), absl::Seconds(1));
  parts.store_io = std::make_unique<WorkerPool>(config.scheduling().store_threads());
  parts.cache = std::make_unique<EmbeddingCache>(config.vocabulary().cache_budget_bytes());
  const int64_t text_batch = TextBatch(config, *parts.bundle.model);
  const text::TextEmbedder* embedder = parts.bundle.embedder.get();
  Server::Parts* owner = &parts;
  EmbeddingBuilder builder = [embedder, text_batch, owner](const text::VocabularySpec& vocabulary,
                                                           double description_weight,
                                                           const ShouldContinue& should_continue) {
    clip::TextEncodeOptions options;
    options.max_batch = text_batch;
    options.should_continue = should_continue;
    // Each batch of prompts runs on the device thread, between ViT batches (one owner of the
    // device; the batcher exists before any vocabulary is built).
    DeviceBatcher* batcher = owner->batcher.get();
    options.run_batch = [batcher](const std::function<absl::Status()>& batch) {
      return batcher->RunOnDevice(batch);
    };
    return embedder->Embed(vocabulary, description_weight, options);
  };
  parts.registry = std::make_unique<VocabularyRegistry>(parts.store.get(), parts.cache.get(),
                                                        builder, LimitsFromConfig(config));
  return builder;
}

// The workers, the device batcher, admission control and the executor; and the live statistics
// that the metrics read off them.
void BuildSchedulingParts(const v1::ServerConfig& config, const ServerHooks& hooks,
                          Server::Parts& parts) {
  const Limits limits = LimitsFromConfig(config);
  const clip::ClipModel& model = *parts.bundle.model;
  parts.workers = std::make_unique<WorkerPool>(config.scheduling().workers());
  parts.registrations = std::make_unique<WorkerPool>(config.scheduling().registration_threads());
  DeviceBatcherOptions batcher_options;
  batcher_options.max_batch_crops = config.scheduling().max_batch_crops();
  batcher_options.batch_memory_bytes = config.scheduling().batch_memory_bytes();
  ServerMetrics* metrics = &parts.metrics;
  batcher_options.on_batch = [metrics](int crops, int requests) {
    metrics->ObserveBatch(crops, requests);
  };
  batcher_options.before_batch = hooks.before_device_batch;
  parts.batcher = std::make_unique<DeviceBatcher>(model, std::move(batcher_options));
  parts.admission = std::make_unique<AdmissionControl>(limits.max_pending_requests,
                                                       limits.max_server_memory_bytes);
  parts.executor = std::make_unique<SegmentExecutor>(model, *parts.registry, *parts.workers,
                                                     *parts.batcher, limits, &parts.metrics);

  Server::Parts* p = &parts;
  const c10::Device device = parts.bundle.device;
  parts.metrics.SetLiveStatsProvider([p, device] {
    ServerMetrics::LiveStats stats;
    stats.queue_depth = p->workers->queue_depth();
    stats.in_flight = p->admission->pending();
    stats.device_memory_bytes = GetDeviceMemoryStats(device).allocated_bytes;
    const EmbeddingCache::Stats cache = p->cache->stats();
    stats.cache_hits = cache.hits;
    stats.cache_misses = cache.misses;
    stats.cache_evictions = cache.evictions;
    stats.cache_resident_bytes = cache.resident_bytes;
    stats.cache_entries = cache.entries;
    stats.vocabulary_store_up = p->store_health->up() ? 1 : 0;
    return stats;
  });
}

// What GetServerInfo answers.
v1::ServerInfo MakeServerInfo(const v1::ServerConfig& config, const pipeline::ModelBundle& bundle) {
  v1::ServerInfo info;
  info.set_version(ITACLIP_VERSION);
  const checkpoint::ClipConfig& clip_config = bundle.model->config();
  v1::ModelInfo& model_info = *info.mutable_model();
  model_info.set_checkpoint(std::filesystem::path(config.model().checkpoint()).filename().string());
  model_info.set_architecture(Architecture(clip_config));
  model_info.set_image_resolution(static_cast<int32_t>(clip_config.image_resolution));
  model_info.set_patch_size(static_cast<int32_t>(clip_config.patch_size));
  model_info.set_embed_dim(static_cast<int32_t>(clip_config.embed_dim));
  model_info.set_dtype(std::string(c10::toString(bundle.dtype)));
  info.set_device(bundle.device.str());
  for (const auto& [name, params] : bundle.presets) info.add_presets(name);
  info.set_default_preset(config.scheduling().default_preset());
  // Every limit the config sets, by field name (ServerLimits mirrors LimitsConfig, so a new limit
  // is reported without another list to extend), and the pending-call cap from scheduling.
  CopySameNamedFields(config.limits(), info.mutable_limits());
  info.mutable_limits()->set_max_pending_requests(config.scheduling().max_pending_requests());
  info.set_workers(config.scheduling().workers());
  info.set_max_batch_crops(config.scheduling().max_batch_crops());
  return info;
}

// Composes the model bundle, the vocabulary parts and the scheduling parts, warms them up and
// fills in what the API serves.
absl::Status LoadModelAndParts(const v1::ServerConfig& config, const ServerHooks& hooks,
                               Server::Parts& parts) {
  ASSIGN_OR_RETURN(parts.bundle, LoadModelBundle(config));
  ASSIGN_OR_RETURN(const EmbeddingBuilder builder, BuildVocabularyParts(config, parts));
  BuildSchedulingParts(config, hooks, parts);
  parts.serving.presets = parts.bundle.presets;
  if (!config.lifecycle().skip_warmup()) {
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(RunWarmup(*parts.bundle.model, builder, *parts.batcher,
                              parts.serving.presets.at(config.scheduling().default_preset())));
    Log(LogLevel::kInfo, "warmed_up").With("ms", absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  parts.serving.model_config = parts.bundle.model->config();
  parts.serving.num_templates = static_cast<int64_t>(parts.bundle.templates.size());
  parts.serving.text_batch = TextBatch(config, *parts.bundle.model);
  parts.serving.info = MakeServerInfo(config, parts.bundle);
  parts.serving.registry = parts.registry.get();
  parts.serving.workers = parts.workers.get();
  parts.serving.registrations = parts.registrations.get();
  parts.serving.store_io = parts.store_io.get();
  parts.serving.executor = parts.executor.get();
  parts.serving.admission = parts.admission.get();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const v1::ServerConfig& config,
                                                      ServerHooks hooks) {
  RETURN_IF_ERROR(ValidateServerConfig(config));
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  // The port opens first so that probes see NOT_SERVING (not a refused connection) while loading.
  RETURN_IF_ERROR(StartTransport(config, *parts));
  std::unique_ptr<Server> server(new Server(std::move(parts)));
  Parts& p = *server->parts_;
  if (absl::Status status = LoadModelAndParts(config, hooks, p); !status.ok()) {
    server->Drain(absl::ZeroDuration());
    return status;
  }
  p.api->SetServing(&p.serving);
  SetHealth(p.grpc_server->GetHealthCheckService(), true);
  Log(LogLevel::kInfo, "serving").With("port", p.port);
  return server;
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { Drain(absl::ZeroDuration()); }

int Server::port() const { return parts_->port; }

int Server::http_port() const { return parts_->http_api ? parts_->http_api->port() : 0; }

int Server::metrics_port() const {
  return parts_->metrics_endpoint ? parts_->metrics_endpoint->port() : 0;
}

void Server::Drain(absl::Duration grace) {
  Parts& p = *parts_;
  absl::MutexLock lock(&p.drain_mu);
  if (p.drained) return;
  p.drained = true;
  const absl::Time start = absl::Now();
  Log(LogLevel::kInfo, "draining")
      .With("grace_s", absl::ToDoubleSeconds(grace))
      .With("pending", p.admission ? p.admission->pending() : 0);
  SetHealth(p.grpc_server->GetHealthCheckService(), false);
  p.api->StopServing();
  bool idle = true;
  if (p.admission) {
    p.admission->Close();
    idle = p.admission->WaitUntilIdle(grace);
  }
  // Cancels the calls still open; their tokens fire and the workers answer them at the next stage.
  if (p.http_api) p.http_api->CancelCalls();
  p.grpc_server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  if (p.store_io) p.store_io->Stop();
  if (p.registrations) p.registrations->Stop();
  if (p.batcher) p.batcher->Stop();
  if (p.workers) p.workers->Stop();
  p.grpc_server->Wait();
  // Every call has been answered (the workers are done); the HTTP threads end with their
  // connections.
  p.http_api.reset();
  // The live stats read the parts that the destructor is about to free; scrapes may still come.
  p.metrics.SetLiveStatsProvider(nullptr);
  Log(LogLevel::kInfo, "stopped")
      .With("finished_within_grace", idle)
      .With("ms", absl::ToDoubleMilliseconds(absl::Now() - start));
  p.stopped.Notify();
}

void Server::Wait() { parts_->stopped.WaitForNotification(); }

}  // namespace itaclip::server
