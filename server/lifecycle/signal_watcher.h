// SIGTERM/SIGINT handling without async-signal-safety problems: the signals are blocked in every
// thread (BlockTerminationSignals must run in main before any thread starts, so that the threads
// inherit the mask), and one thread waits for them with sigwait and then runs ordinary code.
#ifndef ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_
#define ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_

#include <functional>
#include <thread>

namespace itaclip::server {

void BlockTerminationSignals();

class SignalWatcher {
 public:
  // Runs `on_signal(signal number)` on the watcher thread when SIGTERM or SIGINT arrives.
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();  // wakes the watcher if no signal came, then joins it

 private:
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_
