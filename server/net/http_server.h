// The server's HTTP endpoints (today /metrics) on cpp-httplib, Debian's maintained HTTP library
// (libcpp-httplib 0.11), instead of a hand-written one:
//   - concurrent: a pool of max_connections threads, one connection each; beyond that, new
//     connections wait in the kernel's accept backlog until a thread frees, so the server's
//     threads and memory stay bounded however many clients come (the connection cap);
//   - per-connection timeouts: a read that waits longer than read_timeout (an idle or stalled
//     client, a slow one sending a byte every few seconds), a write longer than write_timeout, and
//     a keep-alive connection idle for keep_alive_timeout are closed;
//   - bounded requests: the request line and headers 8 KiB each (httplib's limits), a body
//     max_body_bytes.
// A client that trickles bytes faster than read_timeout holds its thread until its request is
// complete or too large; max_connections such clients would hold them all, which is why the
// thread count is a setting and the default is far above what scrapers need.
#ifndef ITACLIP_SERVER_NET_HTTP_SERVER_H_
#define ITACLIP_SERVER_NET_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace itaclip::server {

// PEM files as the gRPC port's TLS has them (config tls).
struct HttpTlsFiles {
  std::string cert_file;  // set: HTTPS
  std::string key_file;
  std::string client_ca_file;  // set: clients must present a certificate it signed
};

struct HttpServerOptions {
  int max_connections = 128;
  absl::Duration read_timeout = absl::Seconds(2);
  absl::Duration write_timeout = absl::Seconds(5);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  int64_t max_body_bytes = int64_t{1} << 20;
  HttpTlsFiles tls;  // none: plain HTTP
};

class HttpServer {
 public:
  // Listens on `address` (host:port or [ipv6-host]:port; port 0 picks a free one, see port()) and
  // serves the routes that `add_routes` registers on the httplib::Server. `what` names the
  // endpoint in messages ("metrics"). INVALID_ARGUMENT for an address that is not host:port,
  // bad options or TLS files that cannot be loaded, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& what, const std::string& address, const HttpServerOptions& options,
      const std::function<void(httplib::Server&)>& add_routes);
  // Stops accepting, then waits for the connections being served (each ends within its timeouts).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  HttpServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::atomic<bool> listener_done_{false};
  std::thread listener_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_NET_HTTP_SERVER_H_
