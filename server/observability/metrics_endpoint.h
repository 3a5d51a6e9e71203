// The HTTP endpoint Prometheus scrapes (GET /metrics), on its own port apart from gRPC, served by
// HttpServer (cpp-httplib): concurrent, with per-connection timeouts and a connection cap, so that
// idle or slow clients cannot blind monitoring (issue 13: the former one-connection-at-a-time
// endpoint took 90 s to answer a scrape with 20 idle connections open).
//
// Not prometheus::Exposer: Debian's civetweb starts its threads with a fixed 100 KiB stack, and a
// process that links LibTorch carries about 110 KiB of static TLS (OpenBLAS, glog, libtorch), which
// glibc carves from every thread's stack, so civetweb's pthread_create fails with EINVAL and the
// Exposer cannot start in itaclip-server. httplib's threads are std::threads (default stacks).
#ifndef ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_
#define ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/net/http_server.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {

class MetricsEndpoint {
 public:
  // Serves `metrics` as Prometheus text at http://<address>/metrics until destroyed (HEAD too;
  // other paths: 404, other methods: 405). `address` is host:port or [ipv6-host]:port; port 0
  // picks a free port (see port()). INVALID_ARGUMENT for an address that is not host:port,
  // UNAVAILABLE when it cannot be resolved or bound (busy port, address of no local interface).
  // Scrapes after `metrics` is destroyed get an empty page.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address, const ServerMetrics& metrics,
      const HttpServerOptions& options = HttpServerOptions());
  // Stops accepting; connections being served end within their timeouts.
  ~MetricsEndpoint() = default;
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return http_->port(); }  // the bound port (the chosen one when asked for 0)

 private:
  explicit MetricsEndpoint(std::unique_ptr<HttpServer> http) : http_(std::move(http)) {}

  std::unique_ptr<HttpServer> http_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_OBSERVABILITY_METRICS_ENDPOINT_H_
