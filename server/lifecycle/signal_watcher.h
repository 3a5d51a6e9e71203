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
  // Runs `on_signal(signal number, count)` on the watcher thread for every SIGTERM or SIGINT, in
  // order, `count` being 1 for the first, 2 for the second... The callback decides what a later
  // signal means (itaclip-server: the first drains, a second one during the drain exits at once);
  // it should return promptly, as later signals wait for it.
  explicit SignalWatcher(std::function<void(int signal_number, int count)> on_signal);
  ~SignalWatcher();  // restores the default handlers, wakes the watcher, joins it

 private:
  int pipe_read_ = -1;
  int pipe_write_ = -1;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_LIFECYCLE_SIGNAL_WATCHER_H_
