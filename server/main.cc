// itaclip-server: loads the configuration (defaults <- --config file <- flags), starts the server,
// and drains it on SIGTERM/SIGINT (health NOT_SERVING, no new calls, the admitted ones finish
// within lifecycle.drain_grace_seconds), then exits.
#include <cstdio>
#include <memory>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "server/config/server_flags.h"
#include "server/lifecycle/signal_watcher.h"
#include "server/observability/log.h"
#include "server/server.h"

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

  absl::StatusOr<std::unique_ptr<itaclip::server::Server>> server =
      itaclip::server::Server::Start(*config);
  if (!server.ok()) {
    itaclip::server::Log(itaclip::server::LogLevel::kError, "start_failed")
        .With("error", server.status().ToString());
    return 1;
  }
  itaclip::server::Server* running = server->get();
  itaclip::server::SignalWatcher watcher([running, grace](int signal_number) {
    itaclip::server::Log(itaclip::server::LogLevel::kInfo, "signal").With("signal", signal_number);
    running->Drain(grace);
  });
  running->Wait();
  return 0;
}
