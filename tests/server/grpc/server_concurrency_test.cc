// 32 clients at once against one in-process server: every answer equals the answer the same input
// gets alone, and the device thread merged the crops of several requests into one ViT batch.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server/grpc/in_process_server.h"
#include "tests/server/grpc/metrics_page.h"
#include "tests/server/grpc/rpc_test_inputs.h"

namespace itaclip::testing {
namespace {

constexpr int kClients = 32;
constexpr int kCallsPerClient = 2;

struct Answer {
  grpc::Status status;
  std::string labels;
  std::vector<int64_t> counts;
};

Answer Segment(v1::SegmentationService::Stub& stub, const v1::SegmentRequest& request) {
  v1::SegmentResponse response;
  Answer answer;
  answer.status = CallSegment(stub, request, &response);
  answer.labels = response.labels().data();
  answer.counts.assign(response.class_pixel_counts().begin(), response.class_pixel_counts().end());
  return answer;
}

TEST(ServerConcurrencyTest, ConcurrentAnswersEqualSequentialOnesAndShareBatches) {
  // No warm-up: every batch counted below is one of this test's.
  std::unique_ptr<InProcessServer> started =
      StartTestServer(/*model_seed=*/3, [](v1::ServerConfig& config) {
        config.mutable_scheduling()->set_workers(2);
        config.mutable_scheduling()->set_max_pending_requests(kClients * 2);
      });
  ASSERT_NE(started, nullptr);
  InProcessServer& server = *started;
  auto stub = server.Stub();

  v1::RegisterClassesResponse animals, street;
  ASSERT_TRUE(CallRegister(*stub, AnimalsVocabulary(), &animals).ok());
  ASSERT_TRUE(CallRegister(*stub, StreetVocabulary(), &street).ok());

  // 3 images x 2 vocabularies. At short side 224 the images have 1 window of 224 (224 x 224), 2
  // (240 x 224: (240 - 224 + 27) // 28 + 1 columns at stride 28) and 2 (224 x 250).
  const std::vector<std::string> images = {EncodePng(RandomImage(224, 224, 1)),
                                           EncodePng(RandomImage(240, 224, 2)),
                                           EncodePng(RandomImage(224, 250, 3))};
  std::vector<v1::SegmentRequest> inputs;
  for (const std::string& image : images) {
    for (const std::string& id : {animals.vocabulary_id(), street.vocabulary_id()}) {
      v1::SegmentRequest request = SegmentById(image, id);
      request.set_label_format(v1::LABEL_FORMAT_RAW);
      inputs.push_back(request);
    }
  }
  std::vector<Answer> sequential;
  for (const v1::SegmentRequest& request : inputs) {
    sequential.push_back(Segment(*stub, request));
    ASSERT_TRUE(sequential.back().status.ok()) << sequential.back().status.error_message();
  }

  // The first call of every client is held at the device until all 32 have been prepared, so the
  // device starts with 32 requests waiting; the second calls then run as they come.
  server.gate().Close();
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < 4; ++c) channels.push_back(server.InsecureChannel());
  std::vector<std::vector<Answer>> answers(kClients);
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto client_stub = v1::SegmentationService::NewStub(channels[client % channels.size()]);
      for (int call = 0; call < kCallsPerClient; ++call) {
        answers[client].push_back(Segment(*client_stub, inputs[(client + call) % inputs.size()]));
      }
    });
  }
  ASSERT_TRUE(server.gate().WaitUntilBlocked());
  // All admitted and none waiting for a worker: with 2 workers, at least 30 are at the device.
  absl::StatusOr<MetricsPage> held = AwaitMetrics(
      server.metrics_port(),
      [](const MetricsPage& p) {
        return p.Get("itaclip_in_flight_requests") == kClients && p.Get("itaclip_queue_depth") == 0;
      },
      absl::Minutes(5));
  server.gate().Open();
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(held.ok()) << held.status();

  for (int client = 0; client < kClients; ++client) {
    ASSERT_EQ(answers[client].size(), size_t{kCallsPerClient});
    for (int call = 0; call < kCallsPerClient; ++call) {
      SCOPED_TRACE(absl::StrCat("client ", client, " call ", call));
      const Answer& answer = answers[client][call];
      const Answer& expected = sequential[(client + call) % inputs.size()];
      ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
      EXPECT_TRUE(answer.labels == expected.labels);  // not printed: tens of kB
      EXPECT_EQ(answer.counts, expected.counts);
    }
  }

  absl::StatusOr<std::string> text = server.ScrapeMetrics();
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<MetricsPage> page = MetricsPage::Parse(*text);
  ASSERT_TRUE(page.ok()) << page.status();
  const int total_calls = static_cast<int>(inputs.size()) + kClients * kCallsPerClient;
  EXPECT_EQ(page->Get("itaclip_requests_total{method=\"Segment\",code=\"OK\"}"), total_calls);
  EXPECT_EQ(page->Get("itaclip_images_total"), total_calls);
  const std::optional<double> batches = page->Get("itaclip_batch_requests_count");
  const std::optional<double> single = page->Get("itaclip_batch_requests_bucket{le=\"1\"}");
  ASSERT_TRUE(batches.has_value() && single.has_value()) << *text;
  EXPECT_LT(*single, *batches) << "no device batch held crops of more than one request";
}

}  // namespace
}  // namespace itaclip::testing
