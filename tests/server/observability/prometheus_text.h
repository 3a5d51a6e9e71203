// Test helper: reads a Prometheus text exposition page into series -> value and family -> type,
// so that tests look up `name{label="value",...}` without depending on line or label order.
#ifndef ITACLIP_TESTS_SERVER_OBSERVABILITY_PROMETHEUS_TEXT_H_
#define ITACLIP_TESTS_SERVER_OBSERVABILITY_PROMETHEUS_TEXT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace itaclip::server {

struct PrometheusPage {
  // Key: the metric name, then its labels sorted by name: name{a="1",b="2"}; just name without
  // labels.
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // from the "# TYPE name type" lines
};

// INVALID_ARGUMENT naming the line that is not `series value [timestamp]`, `# TYPE`, `# HELP`
// or empty.
absl::StatusOr<PrometheusPage> ParsePrometheusText(const std::string& text);

}  // namespace itaclip::server

#endif  // ITACLIP_TESTS_SERVER_OBSERVABILITY_PROMETHEUS_TEXT_H_
