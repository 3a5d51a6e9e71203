// A call's life and the server's, over real channels, with the device thread held at a DeviceGate
// so that each test knows where its calls are: client cancellation, deadlines, a full queue, the
// metrics page, grpc.health.v1 and drain, and a restart on the same vocabulary store.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/vocabulary/folder_vocabulary_store.h"
#include "tests/server/grpc/in_process_server.h"
#include "tests/server/grpc/metrics_page.h"
#include "tests/server/grpc/rpc_test_inputs.h"
#include "tests/testing/test_paths.h"

namespace itaclip::testing {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr uint64_t kModelSeed = 5;

std::string RegisterAnimals(v1::SegmentationService::Stub& stub) {
  v1::RegisterClassesResponse response;
  const grpc::Status status = CallRegister(stub, AnimalsVocabulary(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.vocabulary_id();
}

// One Segment running on its own thread, with a context the test can cancel.
class BackgroundSegment {
 public:
  BackgroundSegment(v1::SegmentationService::Stub& stub, const v1::SegmentRequest& request,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    if (timeout.has_value()) context_.set_deadline(std::chrono::system_clock::now() + *timeout);
    thread_ = std::thread(
        [this, &stub, request] { status_ = stub.Segment(&context_, request, &response_); });
  }
  ~BackgroundSegment() {
    if (thread_.joinable()) thread_.join();
  }
  void Cancel() { context_.TryCancel(); }
  const grpc::Status& Wait() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  const v1::SegmentResponse& response() const { return response_; }

 private:
  grpc::ClientContext context_;
  grpc::Status status_;
  v1::SegmentResponse response_;
  std::thread thread_;
};

// True when `series` has the value `expected` on the page.
std::function<bool(const MetricsPage&)> SeriesIs(std::string series, double expected) {
  return [series, expected](const MetricsPage& page) { return page.Get(series) == expected; };
}

void ExpectSegmentSucceeds(v1::SegmentationService::Stub& stub, const std::string& id) {
  v1::SegmentResponse response;
  const grpc::Status status =
      CallSegment(stub, SegmentById(EncodePng(RandomImage(48, 48, 8)), id), &response);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
}

TEST(ServerLifecycleTest, TheWarmUpRunsOneBatchThroughTheDeviceBeforeServing) {
  InProcessServerOptions options;
  options.model_seed = kModelSeed;
  options.skip_warmup = false;
  absl::StatusOr<std::unique_ptr<InProcessServer>> warmed = InProcessServer::Start(options);
  ASSERT_TRUE(warmed.ok()) << warmed.status();
  // Two turns of the device thread: the warm-up vocabulary's one text batch (text batches run
  // there too, between ViT batches), then the one ViT batch.
  EXPECT_EQ((*warmed)->gate().batches_passed(), 2);
  absl::StatusOr<std::string> text = (*warmed)->ScrapeMetrics();
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<MetricsPage> page = MetricsPage::Parse(*text);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->Get("itaclip_batch_crops_count"), 1);
  EXPECT_EQ(page->Get("itaclip_batch_crops_sum"), 1);  // one 224 x 224 window
  EXPECT_EQ(page->Get("itaclip_images_total"), 0);     // not a client's image

  std::unique_ptr<InProcessServer> unwarmed = StartTestServer(kModelSeed);
  ASSERT_NE(unwarmed, nullptr);
  EXPECT_EQ(unwarmed->gate().batches_passed(), 0);
}

TEST(ServerLifecycleTest, ClientCancellationReachesTheServer) {
  std::unique_ptr<InProcessServer> server = StartTestServer(kModelSeed);
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  const std::string id = RegisterAnimals(*stub);

  server->gate().Close();
  BackgroundSegment call(*stub, SegmentById(EncodePng(RandomImage(224, 224, 1)), id));
  ASSERT_TRUE(server->gate().WaitUntilBlocked());  // the call waits for the device
  call.Cancel();
  EXPECT_EQ(call.Wait().error_code(), grpc::StatusCode::CANCELLED);
  // The server reads the cancellation (RST_STREAM) before this later call on the same
  // connection; answering this one first gives its OnCancel time to run before the device goes on.
  grpc::ClientContext context;
  v1::ServerInfo info;
  ASSERT_TRUE(stub->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
  server->gate().Open();

  absl::StatusOr<MetricsPage> page =
      AwaitMetrics(server->metrics_port(),
                   SeriesIs("itaclip_requests_total{code=\"CANCELLED\",method=\"Segment\"}", 1));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->Get("itaclip_requests_total{code=\"OK\",method=\"Segment\"}"), std::nullopt);
  EXPECT_EQ(page->Get("itaclip_in_flight_requests"), 0);
  // It was dropped, not segmented.
  EXPECT_EQ(page->Get("itaclip_images_total"), 0);
  ExpectSegmentSucceeds(*stub, id);
}

TEST(ServerLifecycleTest, DeadlinePassingAtTheDeviceIsDeadlineExceeded) {
  std::unique_ptr<InProcessServer> server = StartTestServer(kModelSeed);
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  const std::string id = RegisterAnimals(*stub);

  server->gate().Close();
  BackgroundSegment call(*stub, SegmentById(EncodePng(RandomImage(224, 224, 1)), id),
                         std::chrono::milliseconds(300));
  ASSERT_TRUE(server->gate().WaitUntilBlocked());
  // The server had the call by now, so its deadline (its arrival plus the client's grpc-timeout)
  // is at most 300 ms away; the client's own ends a little earlier.
  const absl::Time server_deadline_bound = absl::Now() + absl::Milliseconds(300);
  const grpc::Status& status = call.Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  absl::SleepFor(server_deadline_bound + absl::Milliseconds(50) - absl::Now());
  server->gate().Open();

  absl::StatusOr<MetricsPage> page = AwaitMetrics(
      server->metrics_port(),
      SeriesIs("itaclip_requests_total{code=\"DEADLINE_EXCEEDED\",method=\"Segment\"}", 1));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->Get("itaclip_requests_total{code=\"CANCELLED\",method=\"Segment\"}"),
            std::nullopt);
  ExpectSegmentSucceeds(*stub, id);
}

TEST(ServerLifecycleTest, AFullQueueRefusesAtOnce) {
  std::unique_ptr<InProcessServer> server = StartTestServer(
      kModelSeed,
      [](v1::ServerConfig& config) { config.mutable_scheduling()->set_max_pending_requests(2); });
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  const std::string id = RegisterAnimals(*stub);
  const v1::SegmentRequest request = SegmentById(EncodePng(RandomImage(224, 224, 1)), id);

  server->gate().Close();
  BackgroundSegment first(*stub, request);
  ASSERT_TRUE(server->gate().WaitUntilBlocked());
  BackgroundSegment second(*stub, request);
  absl::StatusOr<MetricsPage> full =
      AwaitMetrics(server->metrics_port(), SeriesIs("itaclip_in_flight_requests", 2));
  ASSERT_TRUE(full.ok()) << full.status();

  v1::SegmentResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status third = CallSegment(*stub, request, &response);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.error_message(), HasSubstr("max_pending_requests=2"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // refused, not queued behind the gate
  // RegisterClasses takes a place too.
  v1::RegisterClassesResponse registered;
  EXPECT_EQ(CallRegister(*stub, StreetVocabulary(), &registered).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  server->gate().Open();
  EXPECT_TRUE(first.Wait().ok()) << first.Wait().error_message();
  EXPECT_TRUE(second.Wait().ok()) << second.Wait().error_message();
  EXPECT_EQ(first.response().labels().data(), second.response().labels().data());
  ExpectSegmentSucceeds(*stub, id);
}

TEST(ServerLifecycleTest, MetricsPageReflectsWhatHappened) {
  // Room for one vocabulary's embeddings (Animals: 5 queries x 32 floats = 640 bytes; Street: 4 x
  // 32 = 512), not two.
  std::unique_ptr<InProcessServer> server = StartTestServer(
      kModelSeed,
      [](v1::ServerConfig& config) { config.mutable_vocabulary()->set_cache_budget_bytes(1000); });
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  const std::string image = EncodePng(RandomImage(224, 224, 4));  // one window each

  const std::string animals = RegisterAnimals(*stub);  // cache miss, built
  v1::SegmentResponse response;
  ASSERT_TRUE(CallSegment(*stub, SegmentById(image, animals), &response).ok());  // hit
  ASSERT_TRUE(CallSegment(*stub, SegmentById(image, animals), &response).ok());  // hit
  v1::RegisterClassesResponse street;
  ASSERT_TRUE(CallRegister(*stub, StreetVocabulary(), &street).ok());  // miss; evicts Animals
  ASSERT_TRUE(CallSegment(*stub, SegmentById(image, animals), &response).ok());  // miss; evicts
  const grpc::Status not_found =
      CallSegment(*stub, SegmentById(image, "voc-" + std::string(32, 'a')), &response);
  EXPECT_EQ(not_found.error_code(), grpc::StatusCode::NOT_FOUND);
  v1::RegisterClassesResponse refused;
  EXPECT_EQ(CallRegister(*stub, v1::VocabularyDefinition(), &refused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext context;
  v1::ServerInfo info;
  ASSERT_TRUE(stub->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());

  absl::StatusOr<std::string> text = server->ScrapeMetrics();
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<MetricsPage> parsed = MetricsPage::Parse(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const MetricsPage& page = *parsed;
  SCOPED_TRACE(*text);

  // Requests by method and code, and their latency histogram.
  EXPECT_EQ(page.Get("itaclip_requests_total{method=\"Segment\",code=\"OK\"}"), 3);
  EXPECT_EQ(page.Get("itaclip_requests_total{method=\"Segment\",code=\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(page.Get("itaclip_requests_total{method=\"RegisterClasses\",code=\"OK\"}"), 2);
  EXPECT_EQ(
      page.Get("itaclip_requests_total{method=\"RegisterClasses\",code=\"INVALID_ARGUMENT\"}"), 1);
  EXPECT_EQ(page.Get("itaclip_requests_total{method=\"GetServerInfo\",code=\"OK\"}"), 1);
  EXPECT_EQ(page.Get("itaclip_request_seconds_count{method=\"Segment\"}"), 4);
  EXPECT_EQ(page.Get("itaclip_request_seconds_count{method=\"RegisterClasses\"}"), 3);
  // Only the 3 admitted Segment calls were queued and ran on the device, one batch each.
  EXPECT_EQ(page.Get("itaclip_queue_seconds_count"), 3);
  EXPECT_EQ(page.Get("itaclip_model_seconds_count"), 3);
  EXPECT_EQ(page.Get("itaclip_batch_crops_count"), 3);
  EXPECT_EQ(page.Get("itaclip_batch_crops_sum"), 3);
  EXPECT_EQ(page.Get("itaclip_batch_requests_count"), 3);
  EXPECT_EQ(page.Get("itaclip_batch_requests_bucket{le=\"1\"}"), 3);
  EXPECT_EQ(page.Get("itaclip_images_total"), 3);
  EXPECT_EQ(page.Get("itaclip_crops_total"), 3);
  // Nothing waits or runs now.
  EXPECT_EQ(page.Get("itaclip_queue_depth"), 0);
  EXPECT_EQ(page.Get("itaclip_in_flight_requests"), 0);
  // The embedding cache: misses for the two builds and the rebuild, hits for the two Segment
  // calls in between, one eviction per vocabulary that made room, Animals resident at the end.
  EXPECT_EQ(page.Get("itaclip_vocabulary_cache_hits_total"), 2);
  EXPECT_EQ(page.Get("itaclip_vocabulary_cache_misses_total"), 3);
  EXPECT_EQ(page.Get("itaclip_vocabulary_cache_evictions_total"), 2);
  EXPECT_EQ(page.Get("itaclip_vocabulary_cache_entries"), 1);
  EXPECT_EQ(page.Get("itaclip_vocabulary_cache_resident_bytes"), 5 * 32 * 4);
  EXPECT_TRUE(page.Get("itaclip_device_memory_bytes").has_value());
}

HealthCheckResponse::ServingStatus Health(grpc::health::v1::Health::Stub& stub,
                                          const std::string& service, grpc::Status* status) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  *status = stub.Check(&context, request, &response);
  return response.status();
}

TEST(ServerLifecycleTest, HealthAndDrainLetTheHeldCallFinish) {
  std::unique_ptr<InProcessServer> server = StartTestServer(kModelSeed);
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();
  auto health = server->HealthStub();
  grpc::Status status;
  EXPECT_EQ(Health(*health, "", &status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Health(*health, "itaclip.v1.SegmentationService", &status),
            HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
  Health(*health, "no.such.Service", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  const std::string id = RegisterAnimals(*stub);
  server->gate().Close();
  BackgroundSegment held(*stub, SegmentById(EncodePng(RandomImage(224, 224, 1)), id));
  ASSERT_TRUE(server->gate().WaitUntilBlocked());

  absl::Notification drained;
  std::thread drain([&] {
    server->server().Drain(absl::Seconds(10));
    drained.Notify();
  });
  // Health turns NOT_SERVING at the start of the drain.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (Health(*health, "", &status) != HealthCheckResponse::NOT_SERVING &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(Health(*health, "", &status), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(*health, "itaclip.v1.SegmentationService", &status),
            HealthCheckResponse::NOT_SERVING);

  // New calls are refused; the held one is still waited for.
  v1::SegmentResponse response;
  const grpc::Status refused =
      CallSegment(*stub, SegmentById(EncodePng(RandomImage(32, 32, 2)), id), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(), HasSubstr("shutting down"));
  EXPECT_FALSE(drained.HasBeenNotified());

  server->gate().Open();
  const grpc::Status& finished = held.Wait();
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(held.response().labels().width(), 224);
  drain.join();
  EXPECT_TRUE(drained.HasBeenNotified());
}

// Issue 13: a drain (or a cancel, or a deadline) stops a large registration between batches of
// prompts. Before, the worker finished the whole text build (72 s for 1,000 classes on a CPU) and
// stored the vocabulary while the process waited to exit.
TEST(ServerLifecycleTest, ADrainStopsALargeRegistrationBetweenBatchesOfPrompts) {
  const std::string store = ScratchDir() + "/store";
  std::unique_ptr<InProcessServer> server = StartTestServer(
      kModelSeed, [](v1::ServerConfig& config) { config.mutable_scheduling()->set_text_batch(32); },
      store);
  ASSERT_NE(server, nullptr);
  v1::VocabularyDefinition large;
  for (int c = 0; c < 1000; ++c) large.add_classes()->add_names(absl::StrCat("thing ", c));
  grpc::Status registered;
  std::thread registration([&] {
    auto stub = server->Stub();
    v1::RegisterClassesResponse response;
    registered = CallRegister(*stub, large, &response);  // 80 000 prompts in 2 500 batches
  });
  absl::StatusOr<MetricsPage> building =
      AwaitMetrics(server->metrics_port(),
                   [](const MetricsPage& p) { return p.Get("itaclip_in_flight_requests") == 1; });
  ASSERT_TRUE(building.ok()) << building.status();
  server->server().Drain(absl::ZeroDuration());
  registration.join();
  EXPECT_FALSE(registered.ok());
  absl::StatusOr<std::unique_ptr<server::VocabularyStore>> stored =
      server::OpenFolderVocabularyStore(store);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)->Count().value_or(-1), 0) << "the build ran to its end";
}

TEST(ServerLifecycleTest, ARestartedServerKeepsTheVocabularies) {
  const std::string store = ScratchDir() + "/store";
  const std::string image = EncodePng(RandomImage(200, 160, 6));
  std::string id;
  v1::SegmentResponse before;
  {
    std::unique_ptr<InProcessServer> a = StartTestServer(kModelSeed, nullptr, store);
    ASSERT_NE(a, nullptr);
    auto stub = a->Stub();
    v1::RegisterClassesResponse registered;
    ASSERT_TRUE(CallRegister(*stub, AnimalsVocabulary(), &registered, "kept").ok());
    id = registered.vocabulary_id();
    ASSERT_TRUE(CallSegment(*stub, SegmentById(image, id), &before).ok());
    a->server().Drain(absl::Seconds(5));
  }

  std::unique_ptr<InProcessServer> b = StartTestServer(kModelSeed, nullptr, store);
  ASSERT_NE(b, nullptr);
  auto stub = b->Stub();
  auto list = [&stub]() {
    grpc::ClientContext context;
    v1::ListVocabulariesResponse listed;
    EXPECT_TRUE(stub->ListVocabularies(&context, v1::ListVocabulariesRequest(), &listed).ok());
    return listed;
  };
  v1::ListVocabulariesResponse listed = list();
  ASSERT_EQ(listed.vocabularies_size(), 1);
  EXPECT_EQ(listed.vocabularies(0).id(), id);
  EXPECT_EQ(listed.vocabularies(0).display_name(), "kept");
  EXPECT_EQ(listed.vocabularies(0).num_classes(), 3);
  EXPECT_FALSE(listed.vocabularies(0).resident());

  // Used by id without registering again: built from the store, same answer as before.
  v1::SegmentResponse after;
  const grpc::Status status = CallSegment(*stub, SegmentById(image, id), &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(after.vocabulary_id(), id);
  EXPECT_TRUE(after.labels().data() == before.labels().data());
  EXPECT_EQ(after.class_pixel_counts_size(), 3);
  listed = list();
  ASSERT_EQ(listed.vocabularies_size(), 1);
  EXPECT_TRUE(listed.vocabularies(0).resident());
}

// lifecycle.max_connection_age_seconds: the server closes an old connection (GOAWAY), the channel
// leaves READY, and the next call reconnects; without the setting the connection stays up.
bool ConnectionClosedWithin(grpc::Channel& channel, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  while (absl::Now() < end) {
    if (channel.GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) return true;
    channel.WaitForStateChange(GRPC_CHANNEL_READY,
                               absl::ToChronoTime(absl::Now() + absl::Milliseconds(100)));
  }
  return channel.GetState(false) != GRPC_CHANNEL_READY;
}

TEST(ServerLifecycleTest, OldConnectionsAreClosedSoClientsRebalance) {
  for (const double max_age : {0.0, 0.3}) {
    std::unique_ptr<InProcessServer> server =
        StartTestServer(kModelSeed, [max_age](v1::ServerConfig& config) {
          config.mutable_lifecycle()->set_max_connection_age_seconds(max_age);
        });
    ASSERT_NE(server, nullptr);
    std::shared_ptr<grpc::Channel> channel = server->InsecureChannel();
    auto stub = v1::SegmentationService::NewStub(channel);
    v1::ServerInfo info;
    grpc::ClientContext first;
    ASSERT_TRUE(stub->GetServerInfo(&first, v1::GetServerInfoRequest(), &info).ok());
    ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
    if (max_age == 0) {
      EXPECT_FALSE(ConnectionClosedWithin(*channel, absl::Seconds(1.5)));
    } else {
      EXPECT_TRUE(ConnectionClosedWithin(*channel, absl::Seconds(10)));
      grpc::ClientContext second;
      EXPECT_TRUE(stub->GetServerInfo(&second, v1::GetServerInfoRequest(), &info).ok());
    }
  }
}

}  // namespace
}  // namespace itaclip::testing
