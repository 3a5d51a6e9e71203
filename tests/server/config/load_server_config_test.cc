// Tests of the config defaults, the file merge, its error messages and every validation rule.
#include "server/config/load_server_config.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LoadServerConfigTest : public testing::ScratchDirTest {
 protected:
  std::string WriteConfig(const std::string& text) {
    const std::string path = ScratchPath("server.textproto");
    std::ofstream(path) << text;
    return path;
  }
};

// The defaults plus the two paths that have none: the smallest valid config.
v1::ServerConfig ValidConfig() {
  v1::ServerConfig config = DefaultServerConfig();
  config.mutable_model()->set_checkpoint("/models/ViT-B-16.pt");
  config.mutable_model()->set_bpe_vocabulary("/models/bpe_simple_vocab_16e6.txt.gz");
  return config;
}

TEST(DefaultServerConfigTest, MatchesTheDocumentedDefaults) {
  // Expected values copied from the comments of proto/itaclip/v1/server_config.proto.
  const v1::ServerConfig config = DefaultServerConfig();
  EXPECT_EQ(config.listen_address(), "0.0.0.0:50051");
  EXPECT_EQ(config.metrics_address(), "0.0.0.0:9464");
  EXPECT_EQ(config.model().checkpoint(), "");
  EXPECT_EQ(config.model().bpe_vocabulary(), "");
  EXPECT_EQ(config.model().device(), "");
  EXPECT_EQ(config.model().dtype(), "auto");
  EXPECT_EQ(config.model().templates_file(), "");
  EXPECT_EQ(config.model().cpu_threads(), 0);
  EXPECT_EQ(config.scheduling().workers(), 2);
  EXPECT_EQ(config.scheduling().max_pending_requests(), 64);
  EXPECT_EQ(config.scheduling().max_batch_crops(), 16);
  EXPECT_EQ(config.scheduling().batch_memory_bytes(), int64_t{1} << 30);
  EXPECT_EQ(config.scheduling().default_preset(), "voc21");
  EXPECT_EQ(config.scheduling().text_batch(), 0);  // automatic
  EXPECT_EQ(config.limits().max_message_bytes(), 32 * 1024 * 1024);
  EXPECT_EQ(config.limits().max_decoded_pixels(), 40000000);
  EXPECT_EQ(config.limits().max_classes(), 1000);
  EXPECT_EQ(config.limits().max_names_per_class(), 64);
  EXPECT_EQ(config.limits().max_text_bytes(), 2000);
  EXPECT_EQ(config.limits().max_vocabularies(), 10000);
  EXPECT_EQ(config.vocabulary().store_dir(), "");
  EXPECT_EQ(config.vocabulary().cache_budget_bytes(), 1073741824);
  EXPECT_EQ(config.tls().cert_file(), "");
  EXPECT_EQ(config.auth().bearer_tokens_file(), "");
  EXPECT_EQ(config.lifecycle().drain_grace_seconds(), 20.0);
  EXPECT_FALSE(config.lifecycle().skip_warmup());
}

TEST(DefaultServerConfigTest, ConfigsDirHoldsTheDefaultTemplates) {
  const v1::ServerConfig config = DefaultServerConfig();
  ASSERT_FALSE(config.model().configs_dir().empty());
  const std::string templates = TemplatesFilePath(config);
  EXPECT_EQ(templates, config.model().configs_dir() + "/templates/openai_imagenet_80.txt");
  EXPECT_TRUE(std::filesystem::is_regular_file(templates)) << templates;
}

TEST(DefaultServerConfigTest, TemplatesFileWhenSetIsUsedAsIs) {
  v1::ServerConfig config = DefaultServerConfig();
  config.mutable_model()->set_templates_file("/etc/itaclip/templates.txt");
  EXPECT_EQ(TemplatesFilePath(config), "/etc/itaclip/templates.txt");
}

TEST(DefaultServerConfigTest, OnlyTheModelPathsAreMissing) {
  const absl::Status status = ValidateServerConfig(DefaultServerConfig());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid server config: model.checkpoint is required; "
            "model.bpe_vocabulary is required");
  EXPECT_TRUE(ValidateServerConfig(ValidConfig()).ok());
}

TEST(LimitsFromConfigTest, CopiesEveryLimitAndThePendingRequests) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_limits()->set_max_message_bytes(11);
  config.mutable_limits()->set_max_decoded_pixels(12);
  config.mutable_limits()->set_max_classes(13);
  config.mutable_limits()->set_max_names_per_class(14);
  config.mutable_limits()->set_max_text_bytes(15);
  config.mutable_limits()->set_max_vocabularies(16);
  config.mutable_scheduling()->set_max_pending_requests(17);
  const Limits limits = LimitsFromConfig(config);
  EXPECT_EQ(limits.max_message_bytes, 11);
  EXPECT_EQ(limits.max_decoded_pixels, 12);
  EXPECT_EQ(limits.max_classes, 13);
  EXPECT_EQ(limits.max_names_per_class, 14);
  EXPECT_EQ(limits.max_text_bytes, 15);
  EXPECT_EQ(limits.max_vocabularies, 16);
  EXPECT_EQ(limits.max_pending_requests, 17);
}

TEST(LimitsFromConfigTest, DefaultConfigGivesDefaultLimits) {
  const Limits limits = LimitsFromConfig(DefaultServerConfig());
  const Limits defaults;
  EXPECT_EQ(limits.max_message_bytes, defaults.max_message_bytes);
  EXPECT_EQ(limits.max_decoded_pixels, defaults.max_decoded_pixels);
  EXPECT_EQ(limits.max_classes, defaults.max_classes);
  EXPECT_EQ(limits.max_names_per_class, defaults.max_names_per_class);
  EXPECT_EQ(limits.max_text_bytes, defaults.max_text_bytes);
  EXPECT_EQ(limits.max_vocabularies, defaults.max_vocabularies);
  EXPECT_EQ(limits.max_pending_requests, defaults.max_pending_requests);
}

TEST_F(LoadServerConfigTest, FileFieldsReplaceDefaultsAndTheRestAreKept) {
  const std::string path = WriteConfig(R"pb(
    listen_address: "127.0.0.1:7000"
    model { checkpoint: "/m.pt" dtype: "float32" }
    scheduling { workers: 7 }
    lifecycle { skip_warmup: true }
  )pb");
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "127.0.0.1:7000");
  EXPECT_EQ(config->model().checkpoint(), "/m.pt");
  EXPECT_EQ(config->model().dtype(), "float32");
  EXPECT_EQ(config->scheduling().workers(), 7);
  EXPECT_TRUE(config->lifecycle().skip_warmup());
  // Untouched fields, also inside the messages the file does touch, keep their defaults.
  EXPECT_EQ(config->metrics_address(), "0.0.0.0:9464");
  EXPECT_EQ(config->model().configs_dir(), DefaultServerConfig().model().configs_dir());
  EXPECT_EQ(config->scheduling().max_pending_requests(), 64);
  EXPECT_EQ(config->scheduling().default_preset(), "voc21");
  EXPECT_EQ(config->limits().max_classes(), 1000);
  EXPECT_EQ(config->lifecycle().drain_grace_seconds(), 20.0);
}

TEST_F(LoadServerConfigTest, ExplicitZeroInTheFileReplacesTheDefault) {
  // proto3 scalars: a 0 written in the file must not silently fall back to the default.
  const absl::StatusOr<v1::ServerConfig> config =
      LoadServerConfigFile(WriteConfig("scheduling { workers: 0 }\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->scheduling().workers(), 0);
}

TEST_F(LoadServerConfigTest, SyntaxErrorNamesTheFileLineAndColumn) {
  const std::string path = WriteConfig(
      "listen_address: \"127.0.0.1:7000\"\n"
      "scheduling {\n"
      "  workers: seven\n"
      "}\n");
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(path);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr(path));
  // "seven" starts at line 3, column 12 (1-based).
  EXPECT_THAT(config.status().message(), HasSubstr(":3:12:"));
}

TEST_F(LoadServerConfigTest, UnknownFieldIsRefused) {
  const std::string path = WriteConfig(
      "listen_address: \"127.0.0.1:7000\"\n"
      "worker_count: 3\n");
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(path);
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr(":2:"));
  EXPECT_THAT(config.status().message(), HasSubstr("worker_count"));
}

TEST_F(LoadServerConfigTest, UnknownNestedFieldIsRefused) {
  const absl::StatusOr<v1::ServerConfig> config =
      LoadServerConfigFile(WriteConfig("limits {\n  max_images: 3\n}\n"));
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("max_images"));
  EXPECT_THAT(config.status().message(), HasSubstr(":2:"));
}

TEST_F(LoadServerConfigTest, MissingFileIsNotFound) {
  const std::string path = ScratchPath("absent.textproto");
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr(path));
}

TEST_F(LoadServerConfigTest, DirectoryIsRefused) {
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(scratch_dir());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LoadServerConfigTest, EmptyFileGivesTheDefaults) {
  const absl::StatusOr<v1::ServerConfig> config = LoadServerConfigFile(WriteConfig(""));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*config, DefaultServerConfig()));
}

TEST(ExampleConfigTest, LoadsValidatesAndDocumentsTheDefaults) {
  const absl::StatusOr<v1::ServerConfig> config =
      LoadServerConfigFile(testing::SourcePath("configs/server/itaclip-server.textproto"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateServerConfig(*config).ok()) << ValidateServerConfig(*config);
  // Apart from the fields that have no default (the model paths) and the store folder, the
  // example spells out the defaults; were it to drift, its comments would be wrong.
  v1::ServerConfig expected = DefaultServerConfig();
  expected.mutable_model()->set_checkpoint(config->model().checkpoint());
  expected.mutable_model()->set_bpe_vocabulary(config->model().bpe_vocabulary());
  expected.mutable_vocabulary()->set_store_dir(config->vocabulary().store_dir());
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(expected, *config)) << differences;
}

// One validation rule: a change to a valid config and a phrase the message must contain.
struct ValidationCase {
  const char* name;
  std::function<void(v1::ServerConfig&)> mutate;
  const char* expected;
};

class ValidationRuleTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(ValidationRuleTest, IsRefusedWithAMessageNamingTheField) {
  v1::ServerConfig config = ValidConfig();
  GetParam().mutate(config);
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    AllRules, ValidationRuleTest,
    ::testing::Values(
        ValidationCase{"EmptyListen", [](auto& c) { c.clear_listen_address(); },
                       "listen_address is empty"},
        ValidationCase{"MetricsOnListen",
                       [](auto& c) {
                         c.set_listen_address("0.0.0.0:9000");
                         c.set_metrics_address("0.0.0.0:9000");
                       },
                       "metrics_address equals listen_address"},
        ValidationCase{"HttpOnMetrics",
                       [](auto& c) {
                         c.set_metrics_address("0.0.0.0:9000");
                         c.set_http_address("0.0.0.0:9000");
                       },
                       "http_address equals metrics_address"},
        ValidationCase{"NoHttpConnections",
                       [](auto& c) { c.mutable_http()->set_max_connections(0); },
                       "http.max_connections must be > 0"},
        ValidationCase{"NoHttpBody", [](auto& c) { c.mutable_http()->set_max_body_bytes(0); },
                       "http.max_body_bytes must be > 0"},
        ValidationCase{"NoCheckpoint", [](auto& c) { c.mutable_model()->clear_checkpoint(); },
                       "model.checkpoint is required"},
        ValidationCase{"NoMetricsConnections",
                       [](auto& c) { c.mutable_metrics_http()->set_max_connections(0); },
                       "metrics_http.max_connections must be > 0"},
        ValidationCase{"ZeroMetricsReadTimeout",
                       [](auto& c) { c.mutable_metrics_http()->set_read_timeout_seconds(0); },
                       "metrics_http.read_timeout_seconds must be > 0"},
        ValidationCase{
            "RequestMemoryOverTheServers",
            [](auto& c) { c.mutable_limits()->set_max_request_memory_bytes(int64_t{32} << 30); },
            "limits.max_request_memory_bytes (34359738368) exceeds"},
        ValidationCase{"ZeroMaxRequestSeconds",
                       [](auto& c) { c.mutable_limits()->set_max_request_seconds(0); },
                       "limits.max_request_seconds must be > 0"},
        ValidationCase{"NoBpe", [](auto& c) { c.mutable_model()->clear_bpe_vocabulary(); },
                       "model.bpe_vocabulary is required"},
        ValidationCase{"BadDtype", [](auto& c) { c.mutable_model()->set_dtype("fp16"); },
                       "model.dtype \"fp16\" is not one of"},
        ValidationCase{"NegativeCpuThreads",
                       [](auto& c) { c.mutable_model()->set_cpu_threads(-2); },
                       "model.cpu_threads must be >= 0"},
        ValidationCase{"NoWorkers", [](auto& c) { c.mutable_scheduling()->set_workers(0); },
                       "scheduling.workers must be > 0 (got 0)"},
        ValidationCase{"NoPending",
                       [](auto& c) { c.mutable_scheduling()->set_max_pending_requests(0); },
                       "scheduling.max_pending_requests must be > 0"},
        ValidationCase{"NoBatchCrops",
                       [](auto& c) { c.mutable_scheduling()->set_max_batch_crops(-1); },
                       "scheduling.max_batch_crops must be > 0 (got -1)"},
        ValidationCase{"NoBatchMemory",
                       [](auto& c) { c.mutable_scheduling()->set_batch_memory_bytes(0); },
                       "scheduling.batch_memory_bytes must be > 0 (got 0)"},
        ValidationCase{"NegativeTextBatch",
                       [](auto& c) { c.mutable_scheduling()->set_text_batch(-1); },
                       "scheduling.text_batch must be >= 0 (0: automatic; got -1)"},
        ValidationCase{"NoDefaultPreset",
                       [](auto& c) { c.mutable_scheduling()->clear_default_preset(); },
                       "scheduling.default_preset is empty"},
        ValidationCase{"ZeroMessageBytes",
                       [](auto& c) { c.mutable_limits()->set_max_message_bytes(0); },
                       "limits.max_message_bytes must be > 0"},
        ValidationCase{"HugeMessageBytes",
                       [](auto& c) { c.mutable_limits()->set_max_message_bytes(int64_t{1} << 31); },
                       "limits.max_message_bytes must be at most 2147483647"},
        ValidationCase{"ZeroPixels", [](auto& c) { c.mutable_limits()->set_max_decoded_pixels(0); },
                       "limits.max_decoded_pixels must be > 0"},
        ValidationCase{"ZeroClasses", [](auto& c) { c.mutable_limits()->set_max_classes(0); },
                       "limits.max_classes must be > 0"},
        ValidationCase{"ZeroNames", [](auto& c) { c.mutable_limits()->set_max_names_per_class(0); },
                       "limits.max_names_per_class must be > 0"},
        ValidationCase{"ZeroTextBytes", [](auto& c) { c.mutable_limits()->set_max_text_bytes(0); },
                       "limits.max_text_bytes must be > 0"},
        ValidationCase{"ZeroVocabularies",
                       [](auto& c) { c.mutable_limits()->set_max_vocabularies(0); },
                       "limits.max_vocabularies must be > 0"},
        ValidationCase{"ZeroCacheBudget",
                       [](auto& c) { c.mutable_vocabulary()->set_cache_budget_bytes(0); },
                       "vocabulary.cache_budget_bytes must be > 0"},
        ValidationCase{"NegativeGrace",
                       [](auto& c) { c.mutable_lifecycle()->set_drain_grace_seconds(-0.5); },
                       "lifecycle.drain_grace_seconds must be finite and >= 0"},
        ValidationCase{"NanGrace",
                       [](auto& c) {
                         c.mutable_lifecycle()->set_drain_grace_seconds(
                             std::numeric_limits<double>::quiet_NaN());
                       },
                       "lifecycle.drain_grace_seconds must be finite and >= 0"},
        ValidationCase{"NegativeMaxConnectionAge",
                       [](auto& c) { c.mutable_lifecycle()->set_max_connection_age_seconds(-1); },
                       "lifecycle.max_connection_age_seconds must be finite and >= 0"},
        ValidationCase{"KeyWithoutCert",
                       [](auto& c) { c.mutable_tls()->set_key_file("/tls/key.pem"); },
                       "tls.key_file is set without tls.cert_file"},
        ValidationCase{"CertWithoutKey",
                       [](auto& c) { c.mutable_tls()->set_cert_file("/tls/cert.pem"); },
                       "tls.cert_file is set without tls.key_file"},
        ValidationCase{"ClientCaWithoutCert",
                       [](auto& c) { c.mutable_tls()->set_client_ca_file("/tls/ca.pem"); },
                       "tls.client_ca_file (mutual TLS) needs tls.cert_file"}),
    [](const ::testing::TestParamInfo<ValidationCase>& info) { return info.param.name; });

TEST(ValidateServerConfigTest, AcceptsTheBoundaryValues) {
  v1::ServerConfig config = ValidConfig();
  config.clear_metrics_address();  // empty disables the endpoint, so it cannot clash
  config.mutable_model()->set_dtype("bfloat16");
  config.mutable_scheduling()->set_workers(1);
  config.mutable_scheduling()->set_max_pending_requests(1);
  config.mutable_scheduling()->set_max_batch_crops(1);
  config.mutable_limits()->set_max_message_bytes(2147483647);
  config.mutable_lifecycle()->set_drain_grace_seconds(0);
  config.mutable_tls()->set_cert_file("/tls/cert.pem");
  config.mutable_tls()->set_key_file("/tls/key.pem");
  config.mutable_tls()->set_client_ca_file("/tls/ca.pem");
  EXPECT_TRUE(ValidateServerConfig(config).ok()) << ValidateServerConfig(config);
  for (const char* dtype : {"auto", "float16", "float32"}) {
    config.mutable_model()->set_dtype(dtype);
    EXPECT_TRUE(ValidateServerConfig(config).ok()) << dtype;
  }
}

TEST(ValidateServerConfigTest, ListsEveryProblemAtOnce) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_scheduling()->set_workers(0);
  config.mutable_limits()->set_max_classes(0);
  config.mutable_tls()->set_key_file("/tls/key.pem");
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status.message(), HasSubstr("scheduling.workers"));
  EXPECT_THAT(status.message(), HasSubstr("limits.max_classes"));
  EXPECT_THAT(status.message(), HasSubstr("tls.key_file"));
  EXPECT_THAT(status.message(), Not(HasSubstr("model.checkpoint")));
}

}  // namespace
}  // namespace itaclip::server
