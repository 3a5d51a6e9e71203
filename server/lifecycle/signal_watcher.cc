#include "server/lifecycle/signal_watcher.h"

#include <pthread.h>
#include <signal.h>

#include <utility>

namespace itaclip::server {
namespace {

// SIGUSR2 is how the destructor wakes a watcher that never saw a termination signal.
sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  const sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) {
  thread_ = std::thread([on_signal = std::move(on_signal)] {
    const sigset_t set = WatchedSignals();
    int signal_number = 0;
    if (sigwait(&set, &signal_number) == 0 && signal_number != SIGUSR2) {
      on_signal(signal_number);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  if (thread_.joinable()) {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }
}

}  // namespace itaclip::server
