// The connection settings (and the flags' defaults), the call deadline, and the token on the wire
// (seen by a fake server).
#include "client/connection/channel_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "client/commands/command_options.h"
#include "client/commands/health_command.h"
#include "tests/client/default_client_flags.h"
#include "tests/client/fake_server.h"
#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;

// The flags' defaults, through the options they fill.
TEST(ResolveConnectionOptionsTest, DefaultsOfTheFlags) {
  testing::DefaultClientFlags defaults;
  absl::StatusOr<ConnectionOptions> options =
      ResolveConnectionOptions(ConnectionSettingsFromFlags());
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->target, "localhost:50051");
  EXPECT_FALSE(options->use_tls);
  EXPECT_EQ(options->call_timeout, absl::Seconds(60));
  EXPECT_EQ(options->max_response_bytes, 1024 << 20);
}

TEST(ResolveConnectionOptionsTest, TlsFilesAreRead) {
  const std::string dir = itaclip::testing::ScratchDir();
  std::ofstream(dir + "/ca.pem") << "CA PEM";
  std::ofstream(dir + "/cert.pem") << "CERT PEM";
  std::ofstream(dir + "/key.pem") << "KEY PEM";
  ConnectionSettings settings;
  settings.tls_ca = dir + "/ca.pem";
  settings.tls_client_cert = dir + "/cert.pem";
  settings.tls_client_key = dir + "/key.pem";
  absl::StatusOr<ConnectionOptions> options = ResolveConnectionOptions(settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->use_tls);
  EXPECT_EQ(options->tls_ca_pem, "CA PEM");
  EXPECT_EQ(options->tls_cert_chain_pem, "CERT PEM");
  EXPECT_EQ(options->tls_private_key_pem, "KEY PEM");
}

TEST(ResolveConnectionOptionsTest, Refusals) {
  ConnectionSettings settings;
  settings.tls_client_cert = "cert.pem";
  EXPECT_THAT(ResolveConnectionOptions(settings).status().message(), HasSubstr("go together"));
  settings.tls_client_key = "key.pem";
  EXPECT_THAT(ResolveConnectionOptions(settings).status().message(), HasSubstr("needs --tls_ca"));
  settings.tls_ca = "/nonexistent/ca.pem";
  EXPECT_EQ(ResolveConnectionOptions(settings).status().code(), absl::StatusCode::kNotFound);
  settings.tls_ca = "";
  settings.tls_client_cert = "";
  settings.tls_client_key = "";

  for (const double timeout : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    settings.timeout_s = timeout;
    EXPECT_THAT(ResolveConnectionOptions(settings).status().message(), HasSubstr("--timeout_s"))
        << timeout;
  }
  settings.timeout_s = 5;
  settings.max_response_mb = 2048;
  EXPECT_THAT(ResolveConnectionOptions(settings).status().message(), HasSubstr("[1, 2047]"));
  settings.max_response_mb = 16;
  settings.server = "";
  EXPECT_THAT(ResolveConnectionOptions(settings).status().message(),
              HasSubstr("--server is empty"));
}

TEST(ChannelFactoryTest, CallContextHasTheDeadline) {
  ConnectionOptions options;
  options.target = "localhost:1";
  options.call_timeout = absl::Seconds(7);
  const ChannelFactory channels(options);
  const auto before = std::chrono::system_clock::now();
  const std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
  const auto after = std::chrono::system_clock::now();
  EXPECT_GE(context->deadline(), before + std::chrono::seconds(7));
  EXPECT_LE(context->deadline(), after + std::chrono::seconds(7));
}

TEST(ChannelFactoryTest, TokenTravelsAsBearerMetadata) {
  testing::FakeServer server;
  server.health().required_token = "s3cret";
  ConnectionOptions options;
  options.target = server.address();
  options.bearer_token = "s3cret";
  absl::StatusOr<std::string> status = CheckHealth(ChannelFactory(options), "");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, "SERVING");

  options.bearer_token = "wrong";
  EXPECT_EQ(CheckHealth(ChannelFactory(options), "").status().code(),
            absl::StatusCode::kUnauthenticated);
  options.bearer_token = "";
  EXPECT_THAT(CheckHealth(ChannelFactory(options), "").status().message(),
              HasSubstr("UNAUTHENTICATED: missing or wrong bearer token"));
}

TEST(ChannelFactoryTest, DeadlineReachesTheServer) {
  testing::FakeServer server;
  ConnectionOptions options;
  options.target = server.address();
  options.call_timeout = absl::Seconds(30);
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(CheckHealth(ChannelFactory(options), "").ok());
  const auto after = std::chrono::system_clock::now();
  // grpc-timeout carries the remaining time with a few digits of precision: allow a second.
  EXPECT_GE(server.health().last_deadline(), before + std::chrono::seconds(29));
  EXPECT_LE(server.health().last_deadline(), after + std::chrono::seconds(31));
}

}  // namespace
}  // namespace itaclip::client
