// Reads an in-process server's Prometheus page the way a scraper does (HTTP GET /metrics on the
// metrics port) and turns it into series -> value, so tests look series up by name and labels
// without depending on line or label order.
#ifndef ITACLIP_TESTS_SERVER_GRPC_METRICS_PAGE_H_
#define ITACLIP_TESTS_SERVER_GRPC_METRICS_PAGE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace itaclip::testing {

// The body of a 200 answer to GET /metrics on 127.0.0.1:`port`; UNAVAILABLE when the connection
// fails, INTERNAL for another status line.
absl::StatusOr<std::string> FetchMetricsPage(int port);

class MetricsPage {
 public:
  // INVALID_ARGUMENT naming the first line that is neither a comment, blank, nor
  // `series value [timestamp]`.
  static absl::StatusOr<MetricsPage> Parse(absl::string_view text);

  // The value of `series`, written as name{label="value",...} with the labels in any order (or
  // just the name); nullopt when the page has no such series.
  std::optional<double> Get(absl::string_view series) const;

  const std::map<std::string, double>& samples() const { return samples_; }

 private:
  std::map<std::string, double> samples_;  // keys with labels sorted by name
};

// Scrapes the page every 10 ms until `done` holds for it (for effects the server records after its
// answer has left, e.g. the outcome of a call the client already cancelled). DEADLINE_EXCEEDED
// when `timeout` passes first.
absl::StatusOr<MetricsPage> AwaitMetrics(int port,
                                         const std::function<bool(const MetricsPage&)>& done,
                                         absl::Duration timeout = absl::Seconds(30));

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_SERVER_GRPC_METRICS_PAGE_H_
