// SIGTERM/SIGINT handling without async-signal-safety problems: the handler only writes the signal
// number to a pipe (async-signal-safe), and a watcher thread reads it and runs ordinary code (the
// drain). Blocking the signals and calling sigwait would not do: libraries start threads before
// main (OpenBLAS's pool, for one), and a signal delivered to one of those would kill the process.
#ifndef ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_
#define ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_

#include <functional>
#include <thread>

namespace itaclip::server {

// At most one instance at a time (the handler writes to that instance's pipe).
class SignalWatcher {
 public:
  // Runs `on_signal(signal number)` on the watcher thread when SIGTERM or SIGINT arrives (once; a
  // second signal while the first is handled is ignored, so a drain is not interrupted).
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();  // restores the default handlers, wakes the watcher, joins it

 private:
  int pipe_read_ = -1;
  int pipe_write_ = -1;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_
