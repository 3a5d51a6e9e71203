// A real itaclip Server inside the test process, for tests that talk to it over real gRPC channels:
// the tiny random CLIP checkpoint (tests/testing/tiny_model.h), the shared BPE file, the repo's
// configs/, gRPC on 127.0.0.1:0 and the metrics page on 127.0.0.1:0, one LibTorch thread, and a
// vocabulary store in a fresh temporary folder (or a given one, to restart on the same store). The
// device thread passes through a DeviceGate the test can close.
#ifndef ITACLIP_TESTS_SERVER_GRPC_IN_PROCESS_SERVER_H_
#define ITACLIP_TESTS_SERVER_GRPC_IN_PROCESS_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"
#include "itaclip/v1/server_config.pb.h"
#include "server/server.h"
#include "tests/testing/device_gate.h"

namespace itaclip::testing {

struct InProcessServerOptions {
  uint64_t model_seed = 1;  // TinyCheckpointPath(model_seed)
  // The vocabulary store folder; empty: a fresh temporary folder, removed with the server.
  std::string store_dir;
  // The warm-up segmentation runs in Server::Start unless skipped (it is cheap on the tiny model,
  // but tests that count batches want none but their own).
  bool skip_warmup = false;
  // Last word on the config, after the test defaults above are set.
  std::function<void(v1::ServerConfig&)> configure;
};

class InProcessServer {
 public:
  // Returns once the server is SERVING.
  static absl::StatusOr<std::unique_ptr<InProcessServer>> Start(InProcessServerOptions options);
  // Opens the gate (a held device thread would block the shutdown), then drains with no grace.
  ~InProcessServer();
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  server::Server& server() { return *server_; }
  DeviceGate& gate() { return *gate_; }
  const v1::ServerConfig& config() const { return config_; }
  const std::string& store_dir() const { return store_dir_; }
  std::string address() const;  // "127.0.0.1:<port>"
  int metrics_port() const { return server_->metrics_port(); }
  int http_port() const { return server_->http_port(); }

  // Channels that accept answers of any size (score tensors are large).
  std::shared_ptr<grpc::Channel> InsecureChannel() const;
  std::shared_ptr<grpc::Channel> Channel(
      const std::shared_ptr<grpc::ChannelCredentials>& credentials,
      grpc::ChannelArguments arguments = {}) const;
  // Stubs on a new insecure channel (a new connection each).
  std::unique_ptr<v1::SegmentationService::Stub> Stub() const;
  std::unique_ptr<grpc::health::v1::Health::Stub> HealthStub() const;

  // The body of GET /metrics on the metrics port.
  absl::StatusOr<std::string> ScrapeMetrics() const;

 private:
  InProcessServer() = default;

  v1::ServerConfig config_;
  std::string store_dir_;
  bool owns_store_dir_ = false;
  std::unique_ptr<DeviceGate> gate_;  // declared before server_: destroyed after it
  std::unique_ptr<server::Server> server_;
};

// The server most tests want: `model_seed`'s checkpoint, no warm-up (the batches a test counts are
// its own), `configure` applied last and `store_dir` as in InProcessServerOptions. A server that
// does not start fails the test and gives null.
std::unique_ptr<InProcessServer> StartTestServer(
    uint64_t model_seed, std::function<void(v1::ServerConfig&)> configure = nullptr,
    std::string store_dir = "");

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_SERVER_GRPC_IN_PROCESS_SERVER_H_
