#include "server/lifecycle/signal_watcher.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

namespace itaclip::server {
namespace {

std::atomic<int> g_signal_pipe{-1};

void OnTerminationSignal(int signal_number) {
  const int fd = g_signal_pipe.load();
  if (fd < 0) return;
  const unsigned char byte = static_cast<unsigned char>(signal_number);
  const int saved_errno = errno;
  (void)!write(fd, &byte, 1);
  errno = saved_errno;
}

void SetHandler(void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void(int, int)> on_signal) {
  int fds[2];
  if (pipe(fds) != 0) return;  // no watcher: the default handlers stay (terminate)
  pipe_read_ = fds[0];
  pipe_write_ = fds[1];
  g_signal_pipe.store(pipe_write_);
  SetHandler(&OnTerminationSignal);
  thread_ = std::thread([this, on_signal = std::move(on_signal)] {
    int count = 0;
    while (true) {
      unsigned char byte = 0;
      const ssize_t n = read(pipe_read_, &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n != 1 || byte == 0) return;  // 0: the destructor's wake-up
      on_signal(byte, ++count);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  SetHandler(SIG_DFL);
  g_signal_pipe.store(-1);
  if (thread_.joinable()) {
    const unsigned char wake = 0;
    (void)!write(pipe_write_, &wake, 1);
    thread_.join();
  }
  if (pipe_read_ >= 0) close(pipe_read_);
  if (pipe_write_ >= 0) close(pipe_write_);
}

}  // namespace itaclip::server
