// The composition root: builds the server's parts in dependency order and owns them.
//   Start():  metrics endpoint -> gRPC port (health NOT_SERVING) -> model, tokenizer, templates,
//             presets -> vocabulary store, cache, registry -> workers, device batcher, admission ->
//             warm-up -> SERVING
//   Drain():  NOT_SERVING, refuse new calls, let the admitted ones finish within the grace period,
//             shut gRPC down (cancelling what is left), stop the device thread and the workers.
#ifndef ITACLIP_SERVER_SERVER_H_
#define ITACLIP_SERVER_SERVER_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "itaclip/v1/server_config.pb.h"

namespace itaclip::server {

// Test seams; production leaves them empty.
struct ServerHooks {
  // Runs on the device thread before each ViT batch (see DeviceBatcherOptions::before_batch).
  std::function<void()> before_device_batch;
};

class Server {
 public:
  // Returns once the server is SERVING. Errors name what failed (a port that cannot be bound, a
  // checkpoint that cannot be loaded, a missing preset...).
  static absl::StatusOr<std::unique_ptr<Server>> Start(const v1::ServerConfig& config,
                                                       ServerHooks hooks = {});
  ~Server();  // Drain(0) unless already drained

  int port() const;          // the gRPC port (the chosen one when the config asked for port 0)
  int metrics_port() const;  // 0 when the metrics endpoint is disabled
  int http_port() const;     // 0 when the HTTP/JSON API is disabled

  // Idempotent; returns when the server has stopped.
  void Drain(absl::Duration grace);

  // Blocks until Drain() has completed (from another thread, e.g. the signal watcher).
  void Wait();

  struct Parts;  // defined in server.cc

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SERVER_H_
