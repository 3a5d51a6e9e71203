// The project's only logger: one JSON object per line on stderr, one line per event.
//   Log(LogLevel::kInfo, "rpc_done").With("request_id", id).With("code", "OK").With("ms", 12.5);
// writes {"ts":"2024-05-01T12:00:00.123Z","level":"info","event":"rpc_done","request_id":"...",
// "code":"OK","ms":12.5} when the temporary LogLine is destroyed, at the end of the statement.
#ifndef ITACLIP_SERVER_OBSERVABILITY_LOG_H_
#define ITACLIP_SERVER_OBSERVABILITY_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace itaclip::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error".
absl::string_view LogLevelName(LogLevel level);

// One event being built. Fields appear in the order of the With() calls, after "ts", "level" and
// "event". Strings are JSON-escaped (invalid UTF-8 becomes U+FFFD); non-finite doubles are null.
// A line below the minimum level costs one comparison and is never formatted.
class LogLine {
 public:
  LogLine(LogLevel level, absl::string_view event);
  ~LogLine();  // writes the line, whole, with one write
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& With(absl::string_view key, absl::string_view value);
  LogLine& With(absl::string_view key, const char* value);  // not bool: a literal is text
  LogLine& With(absl::string_view key, const std::string& value);
  LogLine& With(absl::string_view key, double value);
  LogLine& With(absl::string_view key, bool value);
  // Every integer type (int, int64_t, size_t, ...), without overload ambiguity.
  template <typename Int, typename std::enable_if_t<
                              std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  LogLine& With(absl::string_view key, Int value) {
    if constexpr (std::is_signed_v<Int>) {
      return WithSigned(key, static_cast<int64_t>(value));
    } else {
      return WithUnsigned(key, static_cast<uint64_t>(value));
    }
  }

 private:
  LogLine& WithSigned(absl::string_view key, int64_t value);
  LogLine& WithUnsigned(absl::string_view key, uint64_t value);
  void AppendKey(absl::string_view key);

  bool enabled_;
  std::string line_;
};

// Starts an event; see LogLine.
LogLine Log(LogLevel level, absl::string_view event);

// Where whole lines go (without the trailing newline). Tests capture lines with it; nullptr
// restores the default, stderr. Called under the logger's lock, so lines never interleave (and
// the sink must not log).
void SetLogSink(std::function<void(absl::string_view line)> sink);

// Events below `level` are dropped. Default kInfo.
void SetMinLogLevel(LogLevel level);

// `text` as a JSON string literal, quotes included: '"' and '\' escaped, control characters as
// \u00XX, valid UTF-8 kept as is, each byte of an invalid UTF-8 sequence replaced by \ufffd.
std::string JsonQuote(absl::string_view text);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_OBSERVABILITY_LOG_H_
