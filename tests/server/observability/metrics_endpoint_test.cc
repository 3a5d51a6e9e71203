// Tests the /metrics HTTP endpoint over a real socket: the page, port 0, and bind errors.
#include "server/observability/metrics_endpoint.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/observability/server_metrics.h"
#include "tests/server/observability/prometheus_text.h"
#include "tests/testing/loopback_http.h"

namespace itaclip::server {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

int Connect(int port) { return testing::ConnectToLoopback(port); }

absl::StatusOr<std::string> HttpExchange(int port, const std::string& request) {
  return testing::LoopbackHttpExchange(port, request);
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  return HttpExchange(port, absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
}

std::string Body(const std::string& response) {
  const size_t end_of_headers = response.find("\r\n\r\n");
  return end_of_headers == std::string::npos ? "" : response.substr(end_of_headers + 4);
}

TEST(MetricsEndpointTest, ServesTheMetricsPageOnAChosenPort) {
  ServerMetrics metrics;
  metrics.RecordRequest("Segment", "OK", 0.05);
  metrics.RecordRequest("Segment", "OK", 0.07);
  metrics.SetLiveStatsProvider([] {
    ServerMetrics::LiveStats stats;
    stats.queue_depth = 4;
    return stats;
  });
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  ASSERT_GT((*endpoint)->port(), 0);

  const absl::StatusOr<std::string> response = HttpGet((*endpoint)->port(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(*response, HasSubstr("\r\nContent-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(*response,
              HasSubstr(absl::StrCat("\r\nContent-Length: ", Body(*response).size(), "\r\n")));
  const absl::StatusOr<PrometheusPage> page = ParsePrometheusText(Body(*response));
  ASSERT_TRUE(page.ok()) << page.status() << "\n" << *response;
  EXPECT_THAT(page->samples,
              Contains(Pair(R"(itaclip_requests_total{code="OK",method="Segment"})", 2)));
  EXPECT_THAT(page->samples, Contains(Pair("itaclip_queue_depth", 4)));

  // Counts recorded after the first scrape show in the next one.
  metrics.AddImages(5);
  const absl::StatusOr<std::string> again = HttpGet((*endpoint)->port(), "/metrics");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(Body(*again), HasSubstr("\nitaclip_images_total 5"));
}

TEST(MetricsEndpointTest, OtherPathsAreNotServed) {
  ServerMetrics metrics;
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const absl::StatusOr<std::string> response = HttpGet((*endpoint)->port(), "/secrets");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, StartsWith("HTTP/1.1 404"));
}

TEST(MetricsEndpointTest, QueryStringIsIgnoredAndHeadHasNoBody) {
  ServerMetrics metrics;
  metrics.AddCrops(2);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const absl::StatusOr<std::string> get = HttpGet((*endpoint)->port(), "/metrics?x=1");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_THAT(*get, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(Body(*get), HasSubstr("\nitaclip_crops_total 2"));

  const absl::StatusOr<std::string> head =
      HttpExchange((*endpoint)->port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_THAT(*head, StartsWith("HTTP/1.1 200"));
  // The length of the page a GET would get, and no page.
  EXPECT_THAT(*head, HasSubstr(absl::StrCat("Content-Length: ", Body(*get).size(), "\r\n")));
  EXPECT_EQ(Body(*head), "");
}

TEST(MetricsEndpointTest, OtherMethodsAndMalformedRequestsAreRefused) {
  ServerMetrics metrics;
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const absl::StatusOr<std::string> post =
      HttpExchange((*endpoint)->port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_THAT(*post, StartsWith("HTTP/1.1 405"));
  EXPECT_THAT(*post, HasSubstr("\r\nAllow: GET, HEAD\r\n"));
  const absl::StatusOr<std::string> garbage =
      HttpExchange((*endpoint)->port(), "hello there\r\n\r\n");
  ASSERT_TRUE(garbage.ok()) << garbage.status();
  EXPECT_THAT(*garbage, StartsWith("HTTP/1.1 400"));
}

TEST(MetricsEndpointTest, StalledClientDoesNotBlockShutdown) {
  ServerMetrics metrics;
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  // A client that connects and sends half a request, then nothing.
  const int stalled = Connect((*endpoint)->port());
  ASSERT_GE(stalled, 0);
  ASSERT_EQ(::send(stalled, "GET /metr", 9, 0), 9);
  // The destructor must wake the thread out of its wait on this client; were it to wait for the
  // client, this test would hang.
  endpoint->reset();
  // The server closed the connection without an answer.
  char byte;
  EXPECT_LE(::recv(stalled, &byte, 1, 0), 0);
  ::close(stalled);
}

// Issue 13: with 20 idle connections open a scrape took 90 s, and 100 slow ones (a byte every 3 s)
// made every scrape time out, so a few clients blinded monitoring. Both at once here: the scrape is
// answered while they are open (LoopbackHttpExchange gives up after 10 s without data, as
// Prometheus does), and the slow and idle connections are closed by the server's read timeout.
TEST(MetricsEndpointTest, IdleAndSlowConnectionsDoNotBlindTheScrape) {
  ServerMetrics metrics;
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const int port = (*endpoint)->port();
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) held.push_back(Connect(port));  // idle
  for (int i = 0; i < 100; ++i) {                              // slow: half a request line
    held.push_back(Connect(port));
    ASSERT_EQ(::send(held.back(), "G", 1, 0), 1);
  }
  for (int fd : held) ASSERT_GE(fd, 0);
  const absl::StatusOr<std::string> page = HttpGet(port, "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(*page, StartsWith("HTTP/1.1 200"));
  // The server hangs up on them (read timeout) rather than holding its threads.
  char byte;
  for (int fd : held) {
    EXPECT_LE(::recv(fd, &byte, 1, 0), 0);
    ::close(fd);
  }
}

TEST(MetricsEndpointTest, BusyPortIsAnErrorNotAnException) {
  ServerMetrics metrics;
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> first =
      MetricsEndpoint::Start("127.0.0.1:0", metrics);
  ASSERT_TRUE(first.ok()) << first.status();
  const absl::StatusOr<std::unique_ptr<MetricsEndpoint>> second =
      MetricsEndpoint::Start(absl::StrCat("127.0.0.1:", (*first)->port()), metrics);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", (*first)->port())));
}

TEST(MetricsEndpointTest, MalformedAddressesAreInvalid) {
  ServerMetrics metrics;
  for (const std::string address : {"", "localhost", ":9464", "127.0.0.1:", "127.0.0.1:http",
                                    "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80s"}) {
    EXPECT_EQ(MetricsEndpoint::Start(address, metrics).status().code(),
              absl::StatusCode::kInvalidArgument)
        << address;
  }
}

TEST(MetricsEndpointTest, UnknownHostIsUnavailable) {
  ServerMetrics metrics;
  // 192.0.2.0/24 (TEST-NET-1, RFC 5737) is never assigned to a local interface.
  EXPECT_EQ(MetricsEndpoint::Start("192.0.2.1:0", metrics).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(MetricsEndpointTest, ScrapeAfterTheMetricsAreGoneIsEmptyNotACrash) {
  auto metrics = std::make_unique<ServerMetrics>();
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", *metrics);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  metrics.reset();
  const absl::StatusOr<std::string> response = HttpGet((*endpoint)->port(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(Body(*response), Not(HasSubstr("itaclip_")));
}

}  // namespace
}  // namespace itaclip::server
