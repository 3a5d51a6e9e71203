// Issue 13: gRPC's callback threads never block on the vocabulary store, and /metrics never waits
// for it. A Redis paused with SIGSTOP (connections open, nothing answers; the store's timeout set
// to 20 s) must not hold other RPCs, health or the metrics page, and the calls stuck on it end by
// their deadlines. Before, a scrape pinged Redis synchronously and waited the whole timeout.
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server/grpc/in_process_server.h"
#include "tests/server/grpc/rpc_test_inputs.h"
#include "tests/server/vocabulary/redis_test_server.h"
#include "tests/testing/test_paths.h"

namespace itaclip::testing {
namespace {

using ::itaclip::server::testing::RedisServerInstalled;
using ::itaclip::server::testing::RedisTestServer;
using ::testing::HasSubstr;

template <typename Stub, typename Request, typename Response, typename Method>
grpc::Status CallWithin(Stub& stub, Method method, const Request& request, Response* response,
                        std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  return (stub.*method)(&context, request, response);
}

TEST(ServerStoreStallTest, AStalledRedisHoldsNeitherGrpcsThreadsNorTheScrape) {
  if (!RedisServerInstalled()) GTEST_SKIP() << "redis-server is not installed";
  absl::StatusOr<std::unique_ptr<RedisTestServer>> redis = RedisTestServer::Start(ScratchDir());
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string address = (*redis)->address();
  std::unique_ptr<InProcessServer> server =
      StartTestServer(/*model_seed=*/1, [&address](v1::ServerConfig& config) {
        config.mutable_vocabulary()->clear_store_dir();
        config.mutable_vocabulary()->mutable_redis()->set_address(address);
        config.mutable_vocabulary()->mutable_redis()->set_timeout_seconds(20);
      });
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  v1::RegisterClassesResponse registered;
  ASSERT_TRUE(CallRegister(*stub, AnimalsVocabulary(), &registered).ok());

  (*redis)->Pause();
  // 16 calls that need the store, each with a 1 s deadline: more than the store threads.
  std::vector<grpc::Status> stuck(16);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < stuck.size(); ++i) {
    callers.emplace_back([&, i] {
      auto own = server->Stub();
      v1::GetVocabularyRequest request;
      request.set_vocabulary_id(registered.vocabulary_id());
      v1::VocabularyInfo info;
      stuck[i] = CallWithin(*own, &v1::SegmentationService::Stub::GetVocabulary, request, &info,
                            std::chrono::milliseconds(1000));
    });
  }
  // Meanwhile the server answers what does not need the store, at once.
  v1::ServerInfo info;
  const grpc::Status answered =
      CallWithin(*stub, &v1::SegmentationService::Stub::GetServerInfo, v1::GetServerInfoRequest(),
                 &info, std::chrono::milliseconds(2000));
  EXPECT_TRUE(answered.ok()) << answered.error_message();
  auto health = server->HealthStub();
  grpc::health::v1::HealthCheckResponse health_answer;
  const grpc::Status healthy = CallWithin(*health, &grpc::health::v1::Health::Stub::Check,
                                          grpc::health::v1::HealthCheckRequest(), &health_answer,
                                          std::chrono::milliseconds(2000));
  EXPECT_TRUE(healthy.ok()) << healthy.error_message();
  EXPECT_EQ(health_answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // The page is answered (its HTTP client gives up after 10 s; Redis would hold a ping 20 s).
  const absl::StatusOr<std::string> page = server->ScrapeMetrics();
  EXPECT_TRUE(page.ok()) << page.status();
  if (page.ok()) {
    EXPECT_THAT(*page, HasSubstr("itaclip_vocabulary_store_up"));
  }
  for (std::thread& caller : callers) caller.join();
  for (const grpc::Status& status : stuck) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  }

  (*redis)->Resume();
  v1::GetVocabularyRequest request;
  request.set_vocabulary_id(registered.vocabulary_id());
  v1::VocabularyInfo again;
  const grpc::Status recovered = CallWithin(*stub, &v1::SegmentationService::Stub::GetVocabulary,
                                            request, &again, std::chrono::milliseconds(30000));
  EXPECT_TRUE(recovered.ok()) << recovered.error_message();
}

}  // namespace
}  // namespace itaclip::testing
