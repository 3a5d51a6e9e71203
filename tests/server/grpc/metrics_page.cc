#include "tests/server/grpc/metrics_page.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/testing/loopback_http.h"

namespace itaclip::testing {
namespace {

// `series` with its labels sorted by name: name{a="1",b="2"}. Label values may hold escaped quotes
// (\"), so the split walks the text rather than splitting on commas.
absl::StatusOr<std::string> CanonicalSeries(absl::string_view series) {
  const size_t brace = series.find('{');
  if (brace == absl::string_view::npos) return std::string(absl::StripAsciiWhitespace(series));
  if (!absl::EndsWith(series, "}")) {
    return absl::InvalidArgumentError(absl::StrCat("unterminated labels in '", series, "'"));
  }
  const absl::string_view name = series.substr(0, brace);
  const absl::string_view body = series.substr(brace + 1, series.size() - brace - 2);
  std::vector<std::pair<std::string, std::string>> labels;
  size_t i = 0;
  while (i < body.size()) {
    const size_t eq = body.find('=', i);
    if (eq == absl::string_view::npos || eq + 1 >= body.size() || body[eq + 1] != '"') {
      return absl::InvalidArgumentError(absl::StrCat("bad label in '", series, "'"));
    }
    std::string key(absl::StripAsciiWhitespace(body.substr(i, eq - i)));
    size_t j = eq + 2;
    std::string value;
    while (j < body.size() && body[j] != '"') {
      if (body[j] == '\\' && j + 1 < body.size()) value.push_back(body[j++]);
      value.push_back(body[j++]);
    }
    if (j >= body.size()) {
      return absl::InvalidArgumentError(absl::StrCat("unterminated label value in '", series, "'"));
    }
    labels.emplace_back(std::move(key), std::move(value));
    i = j + 1;
    if (i < body.size() && body[i] == ',') ++i;
  }
  std::sort(labels.begin(), labels.end());
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels) parts.push_back(absl::StrCat(key, "=\"", value, "\""));
  return absl::StrCat(name, "{", absl::StrJoin(parts, ","), "}");
}

}  // namespace

absl::StatusOr<std::string> FetchMetricsPage(int port) {
  absl::StatusOr<std::string> exchanged =
      LoopbackHttpExchange(port, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (!exchanged.ok()) return exchanged.status();
  const std::string& response = *exchanged;
  const size_t end_of_headers = response.find("\r\n\r\n");
  if (!absl::StartsWith(response, "HTTP/1.") || response.find(" 200 ") > response.find("\r\n") ||
      end_of_headers == std::string::npos) {
    return absl::InternalError(
        absl::StrCat("GET /metrics answered: ", response.substr(0, response.find("\r\n"))));
  }
  return response.substr(end_of_headers + 4);
}

absl::StatusOr<MetricsPage> MetricsPage::Parse(absl::string_view text) {
  MetricsPage page;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    // The value follows the series after the last space outside the labels (a timestamp may
    // follow the value; the exposition here writes none).
    const size_t close = line.rfind('}');
    const size_t space = line.find(' ', close == absl::string_view::npos ? 0 : close);
    double value = 0;
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": '", line, "'"));
    }
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line.substr(space + 1), ' ', absl::SkipEmpty());
    if (fields.empty() || !absl::SimpleAtod(fields[0], &value)) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": '", line, "'"));
    }
    absl::StatusOr<std::string> series = CanonicalSeries(line.substr(0, space));
    if (!series.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", series.status().message()));
    }
    page.samples_[*series] = value;
  }
  return page;
}

std::optional<double> MetricsPage::Get(absl::string_view series) const {
  absl::StatusOr<std::string> key = CanonicalSeries(series);
  if (!key.ok()) return std::nullopt;
  auto it = samples_.find(*key);
  if (it == samples_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<MetricsPage> AwaitMetrics(int port,
                                         const std::function<bool(const MetricsPage&)>& done,
                                         absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<std::string> text = FetchMetricsPage(port);
    if (!text.ok()) return text.status();
    absl::StatusOr<MetricsPage> page = MetricsPage::Parse(*text);
    if (!page.ok()) return page.status();
    if (done(*page)) return page;
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(
          absl::StrCat("the metrics did not reach the expected state within ",
                       absl::FormatDuration(timeout), "; last page:\n", *text));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace itaclip::testing
