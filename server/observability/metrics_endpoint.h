// The HTTP endpoint Prometheus scrapes (GET /metrics), on its own port apart from gRPC.
//
// Not prometheus::Exposer: Debian's civetweb starts its threads with a fixed 100 KiB stack, and a
// process that links LibTorch carries about 110 KiB of static TLS (OpenBLAS, glog, libtorch), which
// glibc carves from every thread's stack, so civetweb's pthread_create fails with EINVAL and the
// Exposer cannot start in itaclip-server. Scrapes are rare and tiny; one thread serving one
// connection at a time is all this endpoint needs.
#ifndef ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_
#define ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {

class MetricsEndpoint {
 public:
  // Serves `metrics` as Prometheus text at http://<address>/metrics until destroyed (other paths:
  // 404, other methods: 405). `address` is host:port or [ipv6-host]:port; port 0 picks a free port
  // (see port()). INVALID_ARGUMENT for an address that is not host:port, UNAVAILABLE when it
  // cannot be resolved or bound (busy port, address of no local interface). Scrapes after
  // `metrics` is destroyed get an empty page.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address,
                                                                const ServerMetrics& metrics);
  // Stops at once, also in the middle of a slow client's request.
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }  // the bound port (the chosen one when asked for 0)

 private:
  MetricsEndpoint(int listen_fd, int wake_read_fd, int wake_write_fd, int port,
                  std::weak_ptr<prometheus::Collectable> metrics);
  void Serve();  // the thread: accept, answer, close, until woken

  const int listen_fd_;
  // A pipe whose read end becomes readable when the destructor wants the thread to stop.
  const int wake_read_fd_;
  const int wake_write_fd_;
  const int port_;
  const std::weak_ptr<prometheus::Collectable> metrics_;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_
