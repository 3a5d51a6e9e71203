// Test-only: a real redis-server child process on a free loopback port (no persistence), which a
// test can kill and restart on the same port, and a raw connection to look at what a store wrote.
#ifndef ITACLIP_TESTS_SERVER_VOCABULARY_REDIS_TEST_SERVER_H_
#define ITACLIP_TESTS_SERVER_VOCABULARY_REDIS_TEST_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisContext;

namespace itaclip::server::testing {

// Whether redis-server is on PATH (tests skip without it; CI installs it).
bool RedisServerInstalled();

// A port on 127.0.0.1 that nothing listens on now.
int FreeLoopbackPort();

class RedisTestServer {
 public:
  // Starts `redis-server --port <port> --bind 127.0.0.1 --save "" --appendonly no` (port 0: a
  // free one) with its log in `dir`, and waits until it answers PING.
  // `extra_args` go after those (e.g. {"--requirepass", "pw"}); a server that requires a password
  // counts as ready when it answers PING with NOAUTH.
  static absl::StatusOr<std::unique_ptr<RedisTestServer>> Start(
      const std::string& dir, int port = 0, std::vector<std::string> extra_args = {});
  ~RedisTestServer();  // kills it
  RedisTestServer(const RedisTestServer&) = delete;
  RedisTestServer& operator=(const RedisTestServer&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"

  // SIGKILL and wait: like a crash, nothing is flushed (and with --save "" nothing would be).
  void Kill();
  // SIGSTOP / SIGCONT: a Redis that stalls (connections stay open, nothing answers) and resumes.
  void Pause();
  void Resume();
  // A new redis-server on the same port, empty.
  absl::Status Restart();

 private:
  RedisTestServer(std::string dir, int port, std::vector<std::string> extra_args)
      : dir_(std::move(dir)), port_(port), extra_args_(std::move(extra_args)) {}
  absl::Status Spawn();

  const std::string dir_;
  const int port_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// A plain hiredis connection of the test's own, independent of the store under test.
class RawRedis {
 public:
  static absl::StatusOr<std::unique_ptr<RawRedis>> Connect(int port);
  ~RawRedis();
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  // The answer's text: a string or status as is, an integer in decimal, nil as "(nil)", an error
  // as "ERR: <text>", an array as its elements joined by "\n".
  std::string Command(const std::vector<std::string>& argv);

 private:
  explicit RawRedis(redisContext* context) : context_(context) {}
  redisContext* context_;
};

}  // namespace itaclip::server::testing

#endif  // ITACLIP_TESTS_SERVER_VOCABULARY_REDIS_TEST_SERVER_H_
