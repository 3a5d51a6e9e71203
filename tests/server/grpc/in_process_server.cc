#include "tests/server/grpc/in_process_server.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/config/load_server_config.h"
#include "tests/server/grpc/metrics_page.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::testing {
namespace {

// A new empty folder under the build tree. Not ScratchDir(): that one is per test and emptied on
// each call, and a restart test needs two servers in one test (or one server for a whole suite).
absl::StatusOr<std::string> MakeTemporaryStoreDir() {
  const std::filesystem::path parent =
      std::filesystem::path(ITACLIP_BINARY_DIR) / "test_scratch" / "in_process_server";
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", parent.string(), ": ", error.message()));
  }
  std::string pattern = (parent / "store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp failed under ", parent.string()));
  }
  return pattern;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InProcessServer>> InProcessServer::Start(
    InProcessServerOptions options) {
  std::unique_ptr<InProcessServer> server(new InProcessServer());
  server->gate_ = std::make_unique<DeviceGate>();
  if (options.store_dir.empty()) {
    absl::StatusOr<std::string> dir = MakeTemporaryStoreDir();
    if (!dir.ok()) return dir.status();
    server->store_dir_ = *std::move(dir);
    server->owns_store_dir_ = true;
  } else {
    server->store_dir_ = options.store_dir;
  }

  v1::ServerConfig config = server::DefaultServerConfig();
  config.set_listen_address("127.0.0.1:0");
  config.set_metrics_address("127.0.0.1:0");
  config.set_http_address("127.0.0.1:0");
  v1::ModelConfig& model = *config.mutable_model();
  model.set_checkpoint(TinyCheckpointPath(options.model_seed));
  model.set_bpe_vocabulary(SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
  model.set_device("cpu");
  model.set_configs_dir(SourcePath("configs"));
  model.set_cpu_threads(1);
  config.mutable_vocabulary()->set_store_dir(server->store_dir_);
  config.mutable_lifecycle()->set_skip_warmup(options.skip_warmup);
  if (options.configure) options.configure(config);
  server->config_ = config;

  server::ServerHooks hooks;
  hooks.before_device_batch = server->gate_->Hook();
  absl::StatusOr<std::unique_ptr<server::Server>> started =
      server::Server::Start(config, std::move(hooks));
  if (!started.ok()) return started.status();
  server->server_ = *std::move(started);
  return server;
}

InProcessServer::~InProcessServer() {
  if (server_ != nullptr) {
    gate_->Open();
    server_.reset();  // Drain(0)
  }
  if (owns_store_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(store_dir_, ignored);
  }
}

std::string InProcessServer::address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

std::shared_ptr<grpc::Channel> InProcessServer::InsecureChannel() const {
  return Channel(grpc::InsecureChannelCredentials());
}

std::shared_ptr<grpc::Channel> InProcessServer::Channel(
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    grpc::ChannelArguments arguments) const {
  arguments.SetMaxReceiveMessageSize(-1);
  // A private connection per channel, so that one test's channels do not share a subchannel.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address(), credentials, arguments);
}

std::unique_ptr<v1::SegmentationService::Stub> InProcessServer::Stub() const {
  return v1::SegmentationService::NewStub(InsecureChannel());
}

std::unique_ptr<grpc::health::v1::Health::Stub> InProcessServer::HealthStub() const {
  return grpc::health::v1::Health::NewStub(InsecureChannel());
}

absl::StatusOr<std::string> InProcessServer::ScrapeMetrics() const {
  return FetchMetricsPage(server_->metrics_port());
}

std::unique_ptr<InProcessServer> StartTestServer(uint64_t model_seed,
                                                 std::function<void(v1::ServerConfig&)> configure,
                                                 std::string store_dir) {
  InProcessServerOptions options;
  options.model_seed = model_seed;
  options.skip_warmup = true;
  options.configure = std::move(configure);
  options.store_dir = std::move(store_dir);
  absl::StatusOr<std::unique_ptr<InProcessServer>> server = InProcessServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

}  // namespace itaclip::testing
