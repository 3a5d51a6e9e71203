#include "server/net/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/net/host_port.h"

namespace itaclip::server {
namespace {

// enqueue()'s "accepted" in either httplib's form (void, or true).
template <typename Result>
Result Accepted() {
  if constexpr (std::is_void_v<Result>) {
    return;
  } else {
    return true;
  }
}

// httplib's task queue, bounded: `threads` threads, and enqueue() (called by the accepting thread
// with one accepted connection) waits while every thread is busy, so at most `threads`
// connections are being served and the rest wait in the kernel's backlog. (httplib's own pool
// queues accepted connections without limit.)
class BoundedPool : public httplib::TaskQueue {
 public:
  explicit BoundedPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }

  // httplib 0.11 (Debian 12) declares enqueue() void; 0.18 (Debian 13) bool, false meaning
  // "refused, close the connection". This pool never refuses: it makes the acceptor wait.
  using EnqueueResult =
      decltype(std::declval<httplib::TaskQueue&>().enqueue(std::function<void()>()));

  EnqueueResult enqueue(std::function<void()> fn) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      room_.wait(lock, [this] { return busy_ + tasks_.size() < threads_.size() || stopping_; });
      tasks_.push_back(std::move(fn));
    }
    ready_.notify_one();
    return Accepted<EnqueueResult>();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
        if (tasks_.empty()) return;  // stopping, and every accepted connection was served
        task = std::move(tasks_.front());
        tasks_.pop_front();
        ++busy_;
      }
      task();  // serves one connection and closes it
      {
        std::lock_guard<std::mutex> lock(mu_);
        --busy_;
      }
      room_.notify_one();
    }
  }

  std::mutex mu_;
  std::condition_variable ready_;  // a task or the stop
  std::condition_variable room_;   // a free thread
  std::deque<std::function<void()>> tasks_;
  size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// httplib takes timeouts as whole seconds and microseconds.
template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter set) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  set(static_cast<time_t>(micros / 1'000'000), static_cast<time_t>(micros % 1'000'000));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& what, const std::string& address, const HttpServerOptions& options,
    const std::function<void(httplib::Server&)>& add_routes) {
  absl::StatusOr<HostPort> parts = ParseHostPort(what, address, /*min_port=*/0);
  if (!parts.ok()) return parts.status();
  if (options.max_connections < 1 || options.max_body_bytes < 0 ||
      options.read_timeout <= absl::ZeroDuration() ||
      options.write_timeout <= absl::ZeroDuration() ||
      options.keep_alive_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " endpoint: max_connections and the timeouts must be > 0"));
  }
  std::unique_ptr<httplib::Server> server;
  if (options.tls.cert_file.empty()) {
    server = std::make_unique<httplib::Server>();
  } else {
    const HttpTlsFiles& tls = options.tls;
    auto tls_server = std::make_unique<httplib::SSLServer>(
        tls.cert_file.c_str(), tls.key_file.c_str(),
        tls.client_ca_file.empty() ? nullptr : tls.client_ca_file.c_str());
    if (!tls_server->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " endpoint: cannot load the TLS certificate ", tls.cert_file, ", its key ",
          tls.key_file, tls.client_ca_file.empty() ? "" : " or the client CA bundle ",
          tls.client_ca_file));
    }
    server = std::move(tls_server);
  }
  const int threads = options.max_connections;
  server->new_task_queue = [threads] { return new BoundedPool(threads); };
  SetTimeout(options.read_timeout, [&](time_t s, time_t us) { server->set_read_timeout(s, us); });
  SetTimeout(options.write_timeout, [&](time_t s, time_t us) { server->set_write_timeout(s, us); });
  server->set_keep_alive_timeout(
      std::max<time_t>(1, static_cast<time_t>(absl::ToInt64Seconds(options.keep_alive_timeout))));
  server->set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  // httplib's default also sets SO_REUSEPORT, with which a second server on a busy port binds and
  // silently shares its connections; SO_REUSEADDR alone lets a restart bind past TIME_WAIT.
  server->set_socket_options([](socket_t sock) {
    const int one = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  });
  add_routes(*server);
  int port = parts->port;
  errno = 0;
  if (port == 0) {
    port = server->bind_to_any_port(parts->host);
  } else if (!server->bind_to_port(parts->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    // httplib reports only failure; errno still holds why bind() or getaddrinfo() failed.
    const int error = errno;
    return absl::UnavailableError(
        absl::StrCat("cannot serve ", what, " on ", address, ": ",
                     error != 0 ? std::strerror(error) : "cannot resolve or bind it"));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(server), port));
}

HttpServer::HttpServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {
  listener_ = std::thread([this] {
    server_->listen_after_bind();
    listener_done_ = true;
  });
}

HttpServer::~HttpServer() {
  // httplib 0.11's stop() does nothing until the listening loop has started: wait for that (or for
  // the loop's end, had it failed).
  while (!server_->is_running() && !listener_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  listener_.join();
}

}  // namespace itaclip::server
