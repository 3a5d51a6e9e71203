// A strict reader of the Prometheus text format (version 0.0.4), enough for the tests' pages.
#include "tests/server/observability/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace itaclip::server {
namespace {

bool ParseValue(absl::string_view text, double* value) {
  if (text == "+Inf") {
    *value = std::numeric_limits<double>::infinity();
  } else if (text == "-Inf") {
    *value = -std::numeric_limits<double>::infinity();
  } else if (text == "NaN") {
    *value = std::numeric_limits<double>::quiet_NaN();
  } else {
    return absl::SimpleAtod(text, value);
  }
  return true;
}

// Splits `name{a="x",b="y"}` into the name and its labels, sorted; false when malformed.
bool ParseSeries(absl::string_view series, std::string* key) {
  const size_t brace = series.find('{');
  if (brace == absl::string_view::npos) {
    *key = std::string(series);
    return !key->empty();
  }
  if (series.back() != '}') return false;
  std::vector<std::pair<std::string, std::string>> labels;
  absl::string_view rest = series.substr(brace + 1, series.size() - brace - 2);
  while (!rest.empty()) {
    const size_t equals = rest.find("=\"");
    if (equals == absl::string_view::npos) return false;
    std::string name(rest.substr(0, equals));
    std::string value;
    size_t i = equals + 2;
    for (; i < rest.size() && rest[i] != '"'; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) ++i;  // \" \\ \n keep the escaped character
      value.push_back(rest[i]);
    }
    if (i >= rest.size()) return false;
    labels.emplace_back(std::move(name), std::move(value));
    rest.remove_prefix(i + 1);
    if (!rest.empty()) {
      if (rest.front() != ',') return false;
      rest.remove_prefix(1);
    }
  }
  std::sort(labels.begin(), labels.end());
  *key = absl::StrCat(series.substr(0, brace), "{",
                      absl::StrJoin(labels, ",",
                                    [](std::string* out, const auto& label) {
                                      absl::StrAppend(out, label.first, "=\"", label.second, "\"");
                                    }),
                      "}");
  return true;
}

}  // namespace

absl::StatusOr<PrometheusPage> ParsePrometheusText(const std::string& text) {
  PrometheusPage page;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || absl::StartsWith(line, "# HELP ")) continue;
    if (absl::StartsWith(line, "# TYPE ")) {
      const std::vector<std::string> parts = absl::StrSplit(line.substr(7), ' ');
      if (parts.size() != 2) return absl::InvalidArgumentError(absl::StrCat("bad: ", line));
      page.types[parts[0]] = parts[1];
      continue;
    }
    // The series ends at the first space after its closing brace (label values may hold spaces).
    const size_t close = line.find('}');
    const size_t space = line.find(' ', close == absl::string_view::npos ? 0 : close);
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("no value: ", line));
    }
    std::string key;
    if (!ParseSeries(line.substr(0, space), &key)) {
      return absl::InvalidArgumentError(absl::StrCat("bad series: ", line));
    }
    const std::vector<absl::string_view> rest = absl::StrSplit(line.substr(space + 1), ' ');
    double value;
    if (rest.empty() || rest.size() > 2 || !ParseValue(rest[0], &value)) {
      return absl::InvalidArgumentError(absl::StrCat("bad value: ", line));
    }
    if (!page.samples.emplace(key, value).second) {
      return absl::InvalidArgumentError(absl::StrCat("series twice: ", line));
    }
  }
  return page;
}

}  // namespace itaclip::server
