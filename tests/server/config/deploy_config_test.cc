// The server config that the Kubernetes manifests ship (deploy/base/itaclip-server.textproto)
// loads and validates with the server's own loader, and says what the manifests rely on.
#include <string>

#include "gtest/gtest.h"
#include "server/config/load_server_config.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

TEST(DeployConfigTest, TheConfigMapConfigLoadsAndValidates) {
  absl::StatusOr<v1::ServerConfig> config =
      LoadServerConfigFile(itaclip::testing::SourcePath("deploy/base/itaclip-server.textproto"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateServerConfig(*config).ok()) << ValidateServerConfig(*config);
  // Replicas share their vocabularies through Redis, not a folder.
  EXPECT_EQ(config->vocabulary().redis().address(), "itaclip-redis:6379");
  EXPECT_EQ(config->vocabulary().store_dir(), "");
  // The model files are those the init container fetches onto /models.
  EXPECT_EQ(config->model().checkpoint(), "/models/ViT-B-16.pt");
  EXPECT_EQ(config->model().bpe_vocabulary(), "/models/bpe_simple_vocab_16e6.txt.gz");
  // The probes and Services use these ports (checked against the manifests by
  // tests/deploy/check_manifests.py).
  EXPECT_EQ(config->listen_address(), "0.0.0.0:50051");
  EXPECT_EQ(config->metrics_address(), "0.0.0.0:9464");
  // Warm-up is what makes a pod ready only once it can answer quickly.
  EXPECT_FALSE(config->lifecycle().skip_warmup());
}

}  // namespace
}  // namespace itaclip::server
