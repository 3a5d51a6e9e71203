// redis-server as a child process (fork + exec), readiness by PING, kill and restart on one port.
#include "tests/server/vocabulary/redis_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace itaclip::server::testing {
namespace {

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = absl::StrCat(dir, "/", program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ReplyText(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR:
      return absl::StrCat("ERR: ", std::string(reply->str, reply->len));
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < reply->elements; ++i) parts.push_back(ReplyText(reply->element[i]));
      return absl::StrJoin(parts, "\n");
    }
  }
  return "(unknown)";
}

// Whether a redis on `port` answers PING now.
bool Answers(int port) {
  absl::StatusOr<std::unique_ptr<RawRedis>> raw = RawRedis::Connect(port);
  if (!raw.ok()) return false;
  const std::string answer = (*raw)->Command({"PING"});
  return answer == "PONG" || absl::StrContains(answer, "NOAUTH");
}

}  // namespace

bool RedisServerInstalled() { return !FindOnPath("redis-server").empty(); }

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

absl::StatusOr<std::unique_ptr<RedisTestServer>> RedisTestServer::Start(
    const std::string& dir, int port, std::vector<std::string> extra_args) {
  // A free port can be taken by someone else before redis binds it: try a few.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<RedisTestServer> server(
        new RedisTestServer(dir, port != 0 ? port : FreeLoopbackPort(), extra_args));
    last = server->Spawn();
    if (last.ok()) return server;
    if (port != 0) break;
  }
  return last;
}

RedisTestServer::~RedisTestServer() { Kill(); }

std::string RedisTestServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

void RedisTestServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisTestServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisTestServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

absl::Status RedisTestServer::Restart() {
  Kill();
  return Spawn();
}

absl::Status RedisTestServer::Spawn() {
  const std::string program = FindOnPath("redis-server");
  if (program.empty()) return absl::NotFoundError("redis-server is not on PATH");
  const std::string log = absl::StrCat(dir_, "/redis-", port_, "-", ++starts_, ".log");
  std::vector<std::string> args = {program,  "--port",       absl::StrCat(port_),
                                   "--bind", "127.0.0.1",    "--save",
                                   "",       "--appendonly", "no",
                                   "--dir",  dir_,           "--daemonize",
                                   "no",     "--logfile",    log};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test binary that crashes must not
  // leave redis-server running. Between fork and exec only async-signal-safe calls.
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    pid_ = -1;
    return absl::ErrnoToStatus(errno, "cannot fork for redis-server");
  }
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (Answers(port_)) return absl::OkStatus();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream file(log);
      std::stringstream text;
      text << file.rdbuf();
      return absl::UnavailableError(
          absl::StrCat("redis-server on port ", port_, " exited: ", text.str()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on port ", port_, " did not answer within 10 s"));
}

absl::StatusOr<std::unique_ptr<RawRedis>> RawRedis::Connect(int port) {
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeval{2, 0});
  if (context == nullptr) return absl::InternalError("cannot allocate a redis context");
  if (context->err != 0) {
    const std::string error = context->errstr;
    redisFree(context);
    return absl::UnavailableError(absl::StrCat("cannot connect to redis: ", error));
  }
  redisSetTimeout(context, timeval{2, 0});
  return std::unique_ptr<RawRedis>(new RawRedis(context));
}

RawRedis::~RawRedis() { redisFree(context_); }

std::string RawRedis::Command(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const std::string& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
  if (reply == nullptr) return absl::StrCat("IOERR: ", context_->errstr);
  std::string text = ReplyText(reply);
  freeReplyObject(reply);
  return text;
}

}  // namespace itaclip::server::testing
