// A minimal HTTP/1.x server for GET /metrics: one thread, one connection at a time, poll-based so
// that the destructor stops it at once.
#include "server/observability/metrics_endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"
#include "server/observability/log.h"

namespace itaclip::server {
namespace {

// A request head larger than this is refused; a scrape's is a few hundred bytes.
constexpr size_t kMaxRequestHeadBytes = 8192;
// Time a client gets to send its request head: a stalled client must not hold the only thread.
constexpr std::chrono::seconds kRequestTimeout(5);

struct HostPort {
  std::string host;
  std::string port;
};

// host:port or [v6-host]:port, with a port in 0..65535.
absl::StatusOr<HostPort> SplitAddress(absl::string_view address) {
  const auto invalid = [address](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address \"", address, "\" ", why));
  };
  HostPort parts;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return invalid("is not [host]:port");
    }
    parts.host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return invalid("is not host:port");
    parts.host = std::string(address.substr(0, colon));
    if (parts.host.find(':') != std::string::npos) return invalid("needs [] around an IPv6 host");
    port = address.substr(colon + 1);
  }
  if (parts.host.empty()) return invalid("has no host (use 0.0.0.0 for every interface)");
  int port_number = -1;
  if (port.empty() || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return invalid("has no valid port (0..65535)");
  }
  parts.port = std::string(port);
  return parts;
}

// A listening TCP socket on the first address `host` resolves to that can be bound.
absl::StatusOr<int> Listen(const std::string& address, const HostPort& parts) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* resolved = nullptr;
  if (const int error = ::getaddrinfo(parts.host.c_str(), parts.port.c_str(), &hints, &resolved);
      error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address,
                                               ": cannot resolve host: ", gai_strerror(error)));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (const addrinfo* info = resolved; info != nullptr && fd < 0; info = info->ai_next) {
    // Non-blocking, so that accept() after poll() cannot hang when the client has gone.
    fd = ::socket(info->ai_family, info->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  info->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    // Restarts may bind while old connections sit in TIME_WAIT; on Linux this still refuses a
    // port another socket listens on.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, info->ai_addr, info->ai_addrlen) != 0 || ::listen(fd, 16) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(resolved);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", last_error));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return -1;
  if (bound.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
}

// Waits until `fd` has `events` or `wake_fd` is readable; no deadline waits without limit. False
// on wake-up, timeout or error.
bool WaitFor(int fd, short events, int wake_fd,
             std::optional<std::chrono::steady_clock::time_point> deadline) {
  while (true) {
    int timeout_ms = -1;
    if (deadline.has_value()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      timeout_ms = static_cast<int>(left.count());  // at most kRequestTimeout
    }
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0 && fds[1].revents == 0;
  }
}

// The request line and headers, up to the blank line; nullopt when the client is too slow, too
// large, or closes first.
std::optional<std::string> ReadRequestHead(int fd, int wake_fd) {
  const auto deadline = std::chrono::steady_clock::now() + kRequestTimeout;
  std::string head;
  char buffer[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > kMaxRequestHeadBytes || !WaitFor(fd, POLLIN, wake_fd, deadline)) {
      return std::nullopt;
    }
    const ssize_t received = ::recv(fd, buffer, sizeof(buffer), 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) return std::nullopt;
    head.append(buffer, static_cast<size_t>(received));
  }
  return head;
}

void SendAll(int fd, int wake_fd, absl::string_view data) {
  const auto deadline = std::chrono::steady_clock::now() + kRequestTimeout;
  while (!data.empty()) {
    // MSG_NOSIGNAL: a scraper that hangs up must not kill the server with SIGPIPE.
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      data.remove_prefix(static_cast<size_t>(sent));
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, wake_fd, deadline)) return;
    } else {
      return;
    }
  }
}

std::string Response(absl::string_view status, absl::string_view extra_headers,
                     absl::string_view content_type, absl::string_view body, bool with_body) {
  return absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\n", extra_headers,
                      "Connection: close\r\n\r\n", with_body ? body : absl::string_view());
}

std::string RenderMetrics(const std::weak_ptr<prometheus::Collectable>& metrics) {
  const std::shared_ptr<prometheus::Collectable> collectable = metrics.lock();
  if (collectable == nullptr) return "";  // the ServerMetrics is gone
  return prometheus::TextSerializer().Serialize(collectable->Collect());
}

// The whole answer to one request head.
std::string Answer(absl::string_view head, const std::weak_ptr<prometheus::Collectable>& metrics) {
  constexpr absl::string_view kText = "text/plain; charset=utf-8";
  const absl::string_view request_line = head.substr(0, head.find_first_of("\r\n"));
  const std::vector<absl::string_view> parts = absl::StrSplit(request_line, ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/")) {
    return Response("400 Bad Request", "", kText, "malformed request line\n", true);
  }
  const absl::string_view method = parts[0];
  const absl::string_view path = parts[1].substr(0, parts[1].find('?'));
  if (path != "/metrics") {
    return Response("404 Not Found", "", kText, "not found; the metrics are at /metrics\n", true);
  }
  if (method != "GET" && method != "HEAD") {
    return Response("405 Method Not Allowed", "Allow: GET, HEAD\r\n", kText,
                    "only GET and HEAD are served\n", true);
  }
  std::string body;
  try {
    body = RenderMetrics(metrics);
  } catch (const std::exception& e) {
    return Response("500 Internal Server Error", "", kText, absl::StrCat(e.what(), "\n"), true);
  }
  // The Prometheus text exposition format, version 0.0.4.
  return Response("200 OK", "", "text/plain; version=0.0.4; charset=utf-8", body,
                  /*with_body=*/method == "GET");
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, const ServerMetrics& metrics) {
  const absl::StatusOr<HostPort> parts = SplitAddress(address);
  if (!parts.ok()) return parts.status();
  const absl::StatusOr<int> listen_fd = Listen(address, *parts);
  if (!listen_fd.ok()) return listen_fd.status();
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(*listen_fd);
    return absl::ErrnoToStatus(error, "cannot create the metrics endpoint's wake-up pipe");
  }
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(
      *listen_fd, wake[0], wake[1], BoundPort(*listen_fd), metrics.collectable()));
}

MetricsEndpoint::MetricsEndpoint(int listen_fd, int wake_read_fd, int wake_write_fd, int port,
                                 std::weak_ptr<prometheus::Collectable> metrics)
    : listen_fd_(listen_fd),
      wake_read_fd_(wake_read_fd),
      wake_write_fd_(wake_write_fd),
      port_(port),
      metrics_(std::move(metrics)),
      thread_([this] { Serve(); }) {}

MetricsEndpoint::~MetricsEndpoint() {
  // Closing the write end makes the read end readable (EOF) for every poll in Serve().
  ::close(wake_write_fd_);
  thread_.join();
  ::close(wake_read_fd_);
  ::close(listen_fd_);
}

void MetricsEndpoint::Serve() {
  while (WaitFor(listen_fd_, POLLIN, wake_read_fd_, /*deadline=*/std::nullopt)) {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      const int error = errno;
      // EAGAIN: the client gave up between poll and accept. Anything else (EMFILE when out of file
      // descriptors) would repeat at once, so back off instead of spinning.
      if (error != EAGAIN && error != EWOULDBLOCK && error != EINTR && error != ECONNABORTED) {
        Log(LogLevel::kWarning, "metrics_accept_failed").With("error", std::strerror(error));
        pollfd wake{wake_read_fd_, POLLIN, 0};
        if (::poll(&wake, 1, /*timeout_ms=*/1000) > 0) return;
      }
      continue;
    }
    if (const std::optional<std::string> head = ReadRequestHead(client, wake_read_fd_)) {
      SendAll(client, wake_read_fd_, Answer(*head, metrics_));
    }
    ::shutdown(client, SHUT_RDWR);
    ::close(client);
  }
}

}  // namespace itaclip::server
