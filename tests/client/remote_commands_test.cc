// The server-facing commands against a scripted in-process server: what they send, what they print
// and write, and how they fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "client/commands/health_command.h"
#include "client/commands/loadgen_command.h"
#include "client/commands/remote_segment_command.h"
#include "client/commands/segment_command.h"
#include "client/commands/vocabulary_commands.h"
#include "client/loadgen/load_runner.h"
#include "tests/client/fake_server.h"
#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

class RemoteCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_.server = server_.address();
    dir_ = itaclip::testing::ScratchDir();
  }
  // `itaclip segment --quiet` without --model, at the fake server.
  SegmentOptions QuietSegmentOptions() const {
    SegmentOptions options;
    options.connection = connection_;
    options.quiet = true;
    return options;
  }
  testing::FakeServer server_;
  ConnectionSettings connection_;
  std::string dir_;
};

TEST_F(RemoteCommandsTest, HealthSucceedsOnlyWhenServing) {
  HealthOptions options;
  options.connection = connection_;
  EXPECT_TRUE(RunHealthCommand(options).ok());
  options.service = "down";
  const absl::Status down = RunHealthCommand(options);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(down.message(), HasSubstr("is NOT_SERVING"));
  options.service = "other";
  EXPECT_THAT(RunHealthCommand(options).message(), HasSubstr("NOT_FOUND: unknown service"));
}

TEST_F(RemoteCommandsTest, HealthOfAServerThatIsNotThereIsUnavailable) {
  HealthOptions options;
  options.connection.server = "localhost:1";
  const absl::Status status = RunHealthCommand(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("UNAVAILABLE: "));
}

TEST_F(RemoteCommandsTest, RegisterSendsTheVocabularyAndPrintsOnlyTheId) {
  server_.segmentation().on_register = [](const v1::RegisterClassesRequest&,
                                          v1::RegisterClassesResponse* response) {
    response->set_vocabulary_id("vocab-42");
    response->set_num_classes(3);
    response->set_num_queries(4);
    return grpc::Status::OK;
  };
  RegisterOptions options;
  options.connection = connection_;
  options.quiet = true;
  options.vocabulary.class_names = "background; car, automobile; sky";
  options.vocabulary.background_first = true;
  options.display_name = "street";
  ::testing::internal::CaptureStdout();
  const absl::Status status = RunRegisterCommand(options);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(out, "vocab-42\n");
  const v1::RegisterClassesRequest sent = server_.segmentation().last_register_request();
  EXPECT_EQ(sent.display_name(), "street");
  ASSERT_EQ(sent.vocabulary().classes_size(), 3);
  EXPECT_THAT(sent.vocabulary().classes(1).names(), ElementsAre("car", "automobile"));
  EXPECT_TRUE(sent.vocabulary().background_first());
}

TEST_F(RemoteCommandsTest, ServerErrorsKeepTheirCodeAndMessage) {
  server_.segmentation().on_register = [](const v1::RegisterClassesRequest&,
                                          v1::RegisterClassesResponse*) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "class 2 has an empty name");
  };
  RegisterOptions options;
  options.connection = connection_;
  options.vocabulary.class_names = "cat";
  const absl::Status status = RunRegisterCommand(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "INVALID_ARGUMENT: class 2 has an empty name");
}

TEST_F(RemoteCommandsTest, DeleteNeedsAnId) {
  DeleteOptions options;
  options.connection = connection_;
  EXPECT_THAT(RunDeleteCommand(options).message(), HasSubstr("--vocabulary ID is required"));
}

TEST(FormatVocabularyTest, TabSeparatedLines) {
  v1::VocabularyInfo info;
  info.set_id("abc");
  info.set_display_name("two\twords");
  info.set_num_classes(21);
  info.set_num_queries(30);
  info.set_resident(true);
  EXPECT_EQ(VocabularyHeaderLine(), "id\tdisplay_name\tclasses\tqueries\tresident");
  EXPECT_EQ(FormatVocabularyLine(info), "abc\ttwo words\t21\t30\tyes");
  v1::ClassDefinition definition;
  definition.add_names("car");
  definition.add_names("automobile");
  EXPECT_EQ(FormatClassLine(3, definition), "\t3: car, automobile");
  definition.set_description("a road\nvehicle");
  EXPECT_EQ(FormatClassLine(3, definition), "\t3: car, automobile\t>= a road vehicle");
}

// A 3x2 answer: labels [[0, 1, 1], [2, 0, 1]] as raw bytes, fp16 scores for 3 classes.
grpc::Status AnswerSegment(const v1::SegmentRequest& request, v1::SegmentResponse* response) {
  v1::LabelMap* labels = response->mutable_labels();
  labels->set_width(3);
  labels->set_height(2);
  labels->set_bits_per_pixel(8);
  labels->set_format(v1::LABEL_FORMAT_RAW);
  labels->set_data(std::string({0, 1, 1, 2, 0, 1}));
  for (const char* name : {"background", "car", "sky"}) response->add_class_names(name);
  for (const int64_t count : {2, 3, 1}) response->add_class_pixel_counts(count);
  if (request.score_format() == v1::SCORE_FORMAT_FLOAT16) {
    v1::ClassScores* scores = response->mutable_scores();
    scores->set_format(v1::SCORE_FORMAT_FLOAT16);
    scores->set_num_classes(3);
    scores->set_height(2);
    scores->set_width(3);
    // 18 halves of 0.5 (0x3800), the last one 1.0 (0x3C00); little-endian.
    std::string data;
    for (int i = 0; i < 17; ++i) data += std::string({0x00, 0x38});
    data += std::string({0x00, 0x3C});
    scores->set_data(data);
  }
  response->mutable_timings()->set_total_ms(12.5);
  return grpc::Status::OK;
}

TEST_F(RemoteCommandsTest, SegmentWritesLabelsScoresAndOverlay) {
  server_.segmentation().on_segment = AnswerSegment;
  const std::string image_path = dir_ + "/image.png";
  ASSERT_TRUE(cv::imwrite(image_path, cv::Mat(2, 3, CV_8UC3, cv::Scalar(10, 20, 30))));
  SegmentOptions options = QuietSegmentOptions();
  options.request.image = image_path;
  options.request.vocabulary_id = "vocab-42";
  options.request.preset = "voc21";
  options.request.overrides = {"prob_thd=0.2"};
  options.request.raw_labels = true;
  options.outputs.out = dir_ + "/labels.png";
  options.outputs.scores = dir_ + "/scores.npy";
  options.outputs.overlay = dir_ + "/overlay.png";

  // No --model: `segment` goes to the server.
  const absl::Status status = RunSegmentCommand(options);
  ASSERT_TRUE(status.ok()) << status;

  const v1::SegmentRequest sent = server_.segmentation().last_segment_request();
  EXPECT_EQ(sent.encoded_image(), ReadAll(image_path));
  EXPECT_EQ(sent.vocabulary_id(), "vocab-42");
  EXPECT_EQ(sent.preset(), "voc21");
  EXPECT_EQ(sent.overrides().at("prob_thd"), "0.2");
  EXPECT_EQ(sent.label_format(), v1::LABEL_FORMAT_RAW);
  EXPECT_EQ(sent.score_format(), v1::SCORE_FORMAT_FLOAT16);

  const cv::Mat labels = cv::imread(dir_ + "/labels.png", cv::IMREAD_UNCHANGED);
  ASSERT_EQ(labels.type(), CV_8UC1);
  const cv::Mat expected = (cv::Mat_<uint8_t>(2, 3) << 0, 1, 1, 2, 0, 1);
  EXPECT_EQ(cv::countNonZero(labels != expected), 0);

  // .npy v1.0: magic, version, header length (little-endian), header, then 18 float32 values.
  const std::string npy = ReadAll(dir_ + "/scores.npy");
  ASSERT_GE(npy.size(), 10u);
  const size_t header_length = static_cast<uint8_t>(npy[8]) | (static_cast<uint8_t>(npy[9]) << 8);
  EXPECT_THAT(npy.substr(10, header_length), HasSubstr("'shape': (3, 2, 3)"));
  ASSERT_EQ(npy.size(), 10 + header_length + 18 * 4);
  float first, last;
  std::memcpy(&first, npy.data() + 10 + header_length, 4);
  std::memcpy(&last, npy.data() + 10 + header_length + 17 * 4, 4);
  EXPECT_EQ(first, 0.5f);
  EXPECT_EQ(last, 1.0f);

  const cv::Mat overlay = cv::imread(dir_ + "/overlay.png");
  ASSERT_FALSE(overlay.empty());
  EXPECT_GE(overlay.cols, 3);  // the image, and a legend beside it
}

TEST_F(RemoteCommandsTest, PngLabelsAreWrittenAsReceived) {
  cv::Mat labels(2, 2, CV_8UC1, cv::Scalar(1));
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", labels, png));
  const std::string png_bytes(png.begin(), png.end());
  server_.segmentation().on_segment = [png_bytes](const v1::SegmentRequest&,
                                                  v1::SegmentResponse* response) {
    response->mutable_labels()->set_width(2);
    response->mutable_labels()->set_height(2);
    response->mutable_labels()->set_bits_per_pixel(8);
    response->mutable_labels()->set_data(png_bytes);
    response->add_class_names("a");
    response->add_class_names("b");
    return grpc::Status::OK;
  };
  std::ofstream(dir_ + "/image.jpg") << "bytes";
  SegmentOptions options = QuietSegmentOptions();
  options.request.image = dir_ + "/image.jpg";
  options.request.vocabulary.class_names = "a;b";
  options.outputs.out = dir_ + "/labels.png";
  ASSERT_TRUE(RunRemoteSegmentCommand(options).ok());
  EXPECT_EQ(ReadAll(dir_ + "/labels.png"), png_bytes);
  EXPECT_EQ(server_.segmentation().last_segment_request().inline_vocabulary().classes_size(), 2);
}

TEST_F(RemoteCommandsTest, MalformedAnswerIsAnErrorAndNothingIsWritten) {
  server_.segmentation().on_segment = [](const v1::SegmentRequest&, v1::SegmentResponse* response) {
    response->mutable_labels()->set_width(3);
    response->mutable_labels()->set_height(2);
    response->mutable_labels()->set_bits_per_pixel(8);
    response->mutable_labels()->set_format(v1::LABEL_FORMAT_RAW);
    response->mutable_labels()->set_data("abc");  // 3 bytes for 6 pixels
    return grpc::Status::OK;
  };
  std::ofstream(dir_ + "/image.jpg") << "bytes";
  SegmentOptions options = QuietSegmentOptions();
  options.request.image = dir_ + "/image.jpg";
  options.request.vocabulary_id = "v";
  options.outputs.out = dir_ + "/labels.png";
  EXPECT_THAT(RunRemoteSegmentCommand(options).message(), HasSubstr("holds 3 bytes, not 6"));
  EXPECT_FALSE(std::ifstream(dir_ + "/labels.png").good());
}

TEST_F(RemoteCommandsTest, SegmentNeedsOut) {
  EXPECT_THAT(RunSegmentCommand(QuietSegmentOptions()).message(), HasSubstr("--out is required"));
}

TEST(LoadPlanTest, ExactlyOneStopCondition) {
  LoadPlan plan;
  EXPECT_THAT(ValidateLoadPlan(plan).message(), HasSubstr("exactly one"));
  plan.requests = 10;
  EXPECT_TRUE(ValidateLoadPlan(plan).ok());
  plan.duration = absl::Seconds(1);
  EXPECT_THAT(ValidateLoadPlan(plan).message(), HasSubstr("exactly one"));
  plan.requests = 0;
  EXPECT_TRUE(ValidateLoadPlan(plan).ok());
  plan.concurrency = 0;
  EXPECT_THAT(ValidateLoadPlan(plan).message(), HasSubstr("--concurrency"));
}

TEST(LoadRunnerTest, CountsOutcomesByCode) {
  testing::FakeServer server;
  // Every fourth call (by arrival) is refused, whatever the threads' interleaving.
  std::atomic<int> arrivals{0};
  server.segmentation().on_segment = [&arrivals](const v1::SegmentRequest&,
                                                 v1::SegmentResponse* response) {
    if (++arrivals % 4 == 0) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "queue full");
    }
    response->mutable_timings()->set_total_ms(8);
    response->mutable_timings()->set_queued_ms(2);
    return grpc::Status::OK;
  };
  ConnectionOptions options;
  options.target = server.address();
  const ChannelFactory channels(options);
  LoadPlan plan;
  plan.concurrency = 4;
  plan.requests = 20;
  LoadResult result;
  RunLoad(channels, v1::SegmentRequest(), plan, result);

  EXPECT_EQ(server.segmentation().segment_calls.load(), 20);
  EXPECT_EQ(result.ok, 15);
  EXPECT_EQ(result.Failed(), 5);
  EXPECT_EQ(result.failed.at(grpc::StatusCode::RESOURCE_EXHAUSTED), 5);
  EXPECT_EQ(result.latency_ms.Count(), 15);
  EXPECT_DOUBLE_EQ(result.server_total_ms_sum, 15 * 8);

  const std::string report = FormatLoadReport(result, plan.concurrency);
  EXPECT_THAT(report, HasSubstr("requests: 20 in "));
  EXPECT_THAT(report,
              HasSubstr("(concurrency 4)\nok: 15\nfailed: 5 (RESOURCE_EXHAUSTED 5: queue full)"));
  EXPECT_THAT(report, HasSubstr("latency_ms: p50 "));
  EXPECT_THAT(report, HasSubstr("server_ms: queued 2.0 total 8.0"));
}

TEST(LoadRunnerTest, DurationStopsSending) {
  testing::FakeServer server;
  server.segmentation().on_segment = [](const v1::SegmentRequest&, v1::SegmentResponse*) {
    return grpc::Status::OK;
  };
  ConnectionOptions options;
  options.target = server.address();
  LoadPlan plan;
  plan.concurrency = 2;
  plan.duration = absl::Milliseconds(200);
  LoadResult result;
  RunLoad(ChannelFactory(options), v1::SegmentRequest(), plan, result);
  EXPECT_GT(result.ok, 0);
  EXPECT_EQ(result.Failed(), 0);
  EXPECT_GE(result.elapsed, absl::Milliseconds(200));
}

TEST(FormatLoadReportTest, ByHand) {
  LoadResult result;
  result.ok = 4;
  for (const double ms : {10.0, 20.0, 30.0, 40.0}) result.latency_ms.Add(ms);
  result.failed[grpc::StatusCode::UNAVAILABLE] = 1;
  result.elapsed = absl::Seconds(2);
  result.server_queued_ms_sum = 4;
  result.server_total_ms_sum = 80;
  // 5 completed in 2 s: 2.5 req/s; 4 ok: 2 images/s. Nearest rank of 4 samples: p50 -> 2nd (20),
  // p95 and p99 -> 4th (40). Mean 25. Server means: 1 and 20.
  EXPECT_EQ(FormatLoadReport(result, 3),
            "requests: 5 in 2.00 s (concurrency 3)\n"
            "ok: 4\n"
            "failed: 1 (UNAVAILABLE 1)\n"
            "throughput: 2.50 req/s, 2.00 images/s\n"
            "latency_ms: p50 20.0 p95 40.0 p99 40.0 max 40.0 mean 25.0\n"
            "server_ms: queued 1.0 total 20.0\n");
}

}  // namespace
}  // namespace itaclip::client
