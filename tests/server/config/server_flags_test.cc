// Tests that flags override the config file only when given, and that the result is validated.
#include "server/config/server_flags.h"

#include <fstream>
#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/config/load_server_config.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

class ServerFlagsTest : public testing::ScratchDirTest {
 protected:
  // A config file that sets the model paths and moves a few fields off their defaults.
  std::string WriteConfig() {
    const std::string path = ScratchPath("server.textproto");
    std::ofstream(path) << R"pb(
      listen_address: "127.0.0.1:6000"
      model { checkpoint: "/file/model.pt" bpe_vocabulary: "/file/bpe.txt.gz" }
      scheduling { workers: 5 max_batch_crops: 8 }
      vocabulary { store_dir: "/file/store" }
    )pb";
    return path;
  }

  // Every test starts and ends with no flag given.
  void SetUp() override {
    ScratchDirTest::SetUp();
    ResetFlags();
  }
  void TearDown() override { ResetFlags(); }

  static void ResetFlags() {
    for (absl::Flag<std::string>* flag :
         {&FLAGS_config, &FLAGS_listen, &FLAGS_metrics_listen, &FLAGS_http_listen,
          &FLAGS_descriptions_dir, &FLAGS_checkpoint, &FLAGS_bpe_vocabulary, &FLAGS_model_device,
          &FLAGS_dtype, &FLAGS_configs_dir, &FLAGS_store_dir, &FLAGS_default_preset,
          &FLAGS_tls_cert, &FLAGS_tls_key, &FLAGS_tls_client_ca, &FLAGS_bearer_tokens_file,
          &FLAGS_skip_warmup}) {
      absl::SetFlag(flag, "");
    }
    for (absl::Flag<int32_t>* flag : {&FLAGS_workers, &FLAGS_max_pending_requests,
                                      &FLAGS_max_batch_crops, &FLAGS_cpu_threads}) {
      absl::SetFlag(flag, -1);
    }
    absl::SetFlag(&FLAGS_cache_budget_bytes, -1);
    absl::SetFlag(&FLAGS_batch_memory_bytes, -1);
    absl::SetFlag(&FLAGS_drain_grace_seconds, -1);
    absl::SetFlag(&FLAGS_max_connection_age_seconds, -1);
  }
};

TEST(ServerFlagDefaultsTest, EveryOverrideDefaultsToItsNotGivenSentinel) {
  // A flag left off the command line must not replace the file's value: its default is the
  // sentinel ApplyFlagOverrides skips ("" or -1).
  for (const char* name :
       {"config", "listen", "metrics_listen", "http_listen", "descriptions_dir", "checkpoint",
        "bpe_vocabulary", "model_device", "dtype", "configs_dir", "store_dir", "default_preset",
        "tls_cert", "tls_key", "tls_client_ca", "bearer_tokens_file", "skip_warmup"}) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    ASSERT_NE(flag, nullptr) << name;
    EXPECT_EQ(flag->DefaultValue(), "") << name;
  }
  for (const char* name :
       {"workers", "max_pending_requests", "max_batch_crops", "batch_memory_bytes",
        "cache_budget_bytes", "cpu_threads", "drain_grace_seconds", "max_connection_age_seconds"}) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    ASSERT_NE(flag, nullptr) << name;
    EXPECT_EQ(flag->DefaultValue(), "-1") << name;
  }
}

TEST_F(ServerFlagsTest, WithoutFlagsTheFileIsUsedAsLoaded) {
  const std::string path = WriteConfig();
  absl::SetFlag(&FLAGS_config, path);
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  const absl::StatusOr<v1::ServerConfig> file = LoadServerConfigFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*config, *file));
  EXPECT_EQ(config->scheduling().workers(), 5);
  EXPECT_EQ(config->scheduling().max_pending_requests(), 64);
}

TEST_F(ServerFlagsTest, EveryGivenFlagOverridesTheFile) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_listen, "127.0.0.1:7001");
  absl::SetFlag(&FLAGS_metrics_listen, "127.0.0.1:7002");
  absl::SetFlag(&FLAGS_http_listen, "127.0.0.1:7003");
  absl::SetFlag(&FLAGS_descriptions_dir, "/flag/descriptions");
  absl::SetFlag(&FLAGS_checkpoint, "/flag/model.safetensors");
  absl::SetFlag(&FLAGS_bpe_vocabulary, "/flag/vocab.json");
  absl::SetFlag(&FLAGS_model_device, "cuda:1");
  absl::SetFlag(&FLAGS_dtype, "bfloat16");
  absl::SetFlag(&FLAGS_configs_dir, "/flag/configs");
  absl::SetFlag(&FLAGS_store_dir, "/flag/store");
  absl::SetFlag(&FLAGS_workers, 3);
  absl::SetFlag(&FLAGS_max_pending_requests, 9);
  absl::SetFlag(&FLAGS_max_batch_crops, 4);
  absl::SetFlag(&FLAGS_batch_memory_bytes, int64_t{3} << 32);
  absl::SetFlag(&FLAGS_default_preset, "cityscapes");
  absl::SetFlag(&FLAGS_cache_budget_bytes, int64_t{5} << 32);
  absl::SetFlag(&FLAGS_cpu_threads, 6);
  absl::SetFlag(&FLAGS_tls_cert, "/flag/cert.pem");
  absl::SetFlag(&FLAGS_tls_key, "/flag/key.pem");
  absl::SetFlag(&FLAGS_tls_client_ca, "/flag/ca.pem");
  absl::SetFlag(&FLAGS_bearer_tokens_file, "/flag/tokens");
  absl::SetFlag(&FLAGS_drain_grace_seconds, 2.5);
  absl::SetFlag(&FLAGS_max_connection_age_seconds, 300);
  absl::SetFlag(&FLAGS_skip_warmup, "true");
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "127.0.0.1:7001");
  EXPECT_EQ(config->metrics_address(), "127.0.0.1:7002");
  EXPECT_EQ(config->http_address(), "127.0.0.1:7003");
  EXPECT_EQ(config->model().descriptions_dir(), "/flag/descriptions");
  EXPECT_EQ(config->model().checkpoint(), "/flag/model.safetensors");
  EXPECT_EQ(config->model().bpe_vocabulary(), "/flag/vocab.json");
  EXPECT_EQ(config->model().device(), "cuda:1");
  EXPECT_EQ(config->model().dtype(), "bfloat16");
  EXPECT_EQ(config->model().configs_dir(), "/flag/configs");
  EXPECT_EQ(config->model().cpu_threads(), 6);
  EXPECT_EQ(config->vocabulary().store_dir(), "/flag/store");
  EXPECT_EQ(config->vocabulary().cache_budget_bytes(), 21474836480);
  EXPECT_EQ(config->scheduling().workers(), 3);
  EXPECT_EQ(config->scheduling().max_pending_requests(), 9);
  EXPECT_EQ(config->scheduling().max_batch_crops(), 4);
  EXPECT_EQ(config->scheduling().batch_memory_bytes(), 12884901888);
  EXPECT_EQ(config->scheduling().default_preset(), "cityscapes");
  EXPECT_EQ(config->tls().cert_file(), "/flag/cert.pem");
  EXPECT_EQ(config->tls().key_file(), "/flag/key.pem");
  EXPECT_EQ(config->tls().client_ca_file(), "/flag/ca.pem");
  EXPECT_EQ(config->auth().bearer_tokens_file(), "/flag/tokens");
  EXPECT_EQ(config->lifecycle().drain_grace_seconds(), 2.5);
  EXPECT_EQ(config->lifecycle().max_connection_age_seconds(), 300);
  EXPECT_TRUE(config->lifecycle().skip_warmup());
}

TEST_F(ServerFlagsTest, FlagsAloneWithoutAConfigFile) {
  absl::SetFlag(&FLAGS_checkpoint, "/flag/model.pt");
  absl::SetFlag(&FLAGS_bpe_vocabulary, "/flag/bpe.txt.gz");
  absl::SetFlag(&FLAGS_workers, 4);
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  v1::ServerConfig expected = DefaultServerConfig();
  expected.mutable_model()->set_checkpoint("/flag/model.pt");
  expected.mutable_model()->set_bpe_vocabulary("/flag/bpe.txt.gz");
  expected.mutable_scheduling()->set_workers(4);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*config, expected));
}

TEST_F(ServerFlagsTest, ZeroFromAFlagIsAnOverrideNotASentinel) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_drain_grace_seconds, 0.0);
  absl::SetFlag(&FLAGS_cpu_threads, 0);
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->lifecycle().drain_grace_seconds(), 0.0);
  EXPECT_EQ(config->model().cpu_threads(), 0);
}

TEST_F(ServerFlagsTest, InvalidFlagValueIsReportedByValidation) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_workers, 0);
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("scheduling.workers must be > 0 (got 0)"));
}

TEST_F(ServerFlagsTest, NegativeNumberOtherThanTheSentinelIsNotIgnored) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_max_batch_crops, -3);
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  EXPECT_THAT(config.status().message(), HasSubstr("scheduling.max_batch_crops must be > 0"));
}

TEST_F(ServerFlagsTest, MissingModelIsReported) {
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("model.checkpoint is required"));
}

TEST_F(ServerFlagsTest, MissingConfigFileIsNotFound) {
  absl::SetFlag(&FLAGS_config, ScratchPath("absent.textproto"));
  EXPECT_EQ(ServerConfigFromFlags().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ServerFlagsTest, SkipWarmupFalseOverridesTheFile) {
  const std::string path = ScratchPath("warm.textproto");
  std::ofstream(path) << "model { checkpoint: \"/m.pt\" bpe_vocabulary: \"/b.gz\" }\n"
                         "lifecycle { skip_warmup: true }\n";
  absl::SetFlag(&FLAGS_config, path);
  ASSERT_TRUE(ServerConfigFromFlags().ok());
  EXPECT_TRUE(ServerConfigFromFlags()->lifecycle().skip_warmup());
  absl::SetFlag(&FLAGS_skip_warmup, "false");
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->lifecycle().skip_warmup());
}

TEST_F(ServerFlagsTest, SkipWarmupMustBeTrueOrFalse) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_skip_warmup, "yes");
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("--skip_warmup"));
}

TEST_F(ServerFlagsTest, MetricsListenNoneDisablesTheEndpoint) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_metrics_listen, "none");
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_address(), "");
}

TEST_F(ServerFlagsTest, HttpListenNoneDisablesTheApi) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_http_listen, "none");
  const absl::StatusOr<v1::ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http_address(), "");
}

TEST_F(ServerFlagsTest, HttpOnTheGrpcAddressIsRefused) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_http_listen, "127.0.0.1:6000");  // the file's listen_address
  EXPECT_THAT(ServerConfigFromFlags().status().message(),
              HasSubstr("http_address equals listen_address"));
}

TEST_F(ServerFlagsTest, ListenOnTheMetricsAddressIsRefused) {
  absl::SetFlag(&FLAGS_config, WriteConfig());
  absl::SetFlag(&FLAGS_listen, "0.0.0.0:9464");
  EXPECT_THAT(ServerConfigFromFlags().status().message(),
              HasSubstr("metrics_address equals listen_address"));
}

}  // namespace
}  // namespace itaclip::server
