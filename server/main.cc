// itaclip-server: loads the configuration (defaults <- --config file <- flags), starts the server,
// and drains it on SIGTERM/SIGINT (health NOT_SERVING, no new calls, the admitted ones finish
// within lifecycle.drain_grace_seconds), then exits.
//
// What a termination signal does at each point of the process's life, each logged as a "signal"
// event with its action:
//   while starting (loading the model, warming up): nothing has been admitted, so the process
//     exits at once with status 0 ("exit");
//   while serving: the drain, run by the main thread ("drain"); exit status 0 when it ends;
//   during the drain, a second signal: the operator wants it over, so the process exits at once
//     with status 1, abandoning the calls still pending ("exit_now").
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/config/server_flags.h"
#include "server/lifecycle/signal_watcher.h"
#include "server/observability/log.h"
#include "server/server.h"

namespace {

using itaclip::server::Log;
using itaclip::server::LogLevel;

// Where the process is, for the signal watcher.
class Lifecycle {
 public:
  enum class Stage { kStarting, kServing, kDraining };

  void SetServing() {
    absl::MutexLock lock(&mu_);
    stage_ = Stage::kServing;
  }

  // The watcher's callback.
  void OnSignal(int signal_number, int count) {
    absl::MutexLock lock(&mu_);
    switch (stage_) {
      case Stage::kStarting:
        Log(LogLevel::kInfo, "signal").With("signal", signal_number).With("action", "exit");
        std::_Exit(0);  // other threads are loading the model: no destructors under their feet
      case Stage::kServing:
        Log(LogLevel::kInfo, "signal").With("signal", signal_number).With("action", "drain");
        stage_ = Stage::kDraining;
        drain_requested_.Notify();
        return;
      case Stage::kDraining:
        Log(LogLevel::kWarning, "signal")
            .With("signal", signal_number)
            .With("count", count)
            .With("action", "exit_now");
        std::_Exit(1);
    }
  }

  void WaitForDrainRequest() { drain_requested_.WaitForNotification(); }

 private:
  absl::Mutex mu_;
  Stage stage_ ABSL_GUARDED_BY(mu_) = Stage::kStarting;
  absl::Notification drain_requested_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "itaclip-server --config FILE | --checkpoint CKPT --bpe_vocabulary VOCAB [flags]\n"
      "Serves itaclip.v1.SegmentationService; see configs/server/itaclip-server.textproto.");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<itaclip::v1::ServerConfig> config = itaclip::server::ServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "itaclip-server: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  const absl::Duration grace = absl::Seconds(config->lifecycle().drain_grace_seconds());

  // Installed before the (long) start, so that a signal during it is this process's decision too.
  static Lifecycle lifecycle;  // outlives the watcher's thread whatever the exit path
  itaclip::server::SignalWatcher watcher(
      [](int signal_number, int count) { lifecycle.OnSignal(signal_number, count); });

  absl::StatusOr<std::unique_ptr<itaclip::server::Server>> server =
      itaclip::server::Server::Start(*config);
  if (!server.ok()) {
    Log(LogLevel::kError, "start_failed").With("error", server.status().ToString());
    return 1;
  }
  lifecycle.SetServing();
  lifecycle.WaitForDrainRequest();
  (*server)->Drain(grace);
  return 0;
}
