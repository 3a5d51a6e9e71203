// JSON line formatting and the process-wide sink (stderr by default) of the server's logger.
#include "server/observability/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace itaclip::server {
namespace {

// The logger is the one piece of process-wide state: every component logs, and none should need
// a logger handed to it. Function-local statics avoid static initialisation order problems.
struct LogState {
  absl::Mutex mutex;
  std::function<void(absl::string_view)> sink ABSL_GUARDED_BY(mutex);
  std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
};

LogState& State() {
  static LogState* const state = new LogState();  // never destroyed: threads may log at exit
  return *state;
}

// One write(2) per line (retrying partial writes), so lines from other processes sharing stderr
// do not split ours in the middle as long as they are shorter than PIPE_BUF.
void WriteToStderr(absl::string_view line) {
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failure to log
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
}

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one (overlong forms,
// surrogates and code points beyond U+10FFFF included, as RFC 3629 §4 defines them).
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&text](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  size_t length;
  unsigned char second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // overlong below U+0800
    if (lead == 0xED) second_max = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // overlong below U+10000
    if (lead == 0xF4) second_max = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < second_min || byte(i + 1) > second_max) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void AppendJsonQuoted(std::string& out, absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (const size_t length = Utf8SequenceLength(text, i); length > 0) {
      out.append(text.data() + i, length);
      i += length;
    } else {
      // A JSON reader would refuse the whole line over one bad byte (e.g. in a client's text).
      out.append("\\ufffd");
      ++i;
    }
  }
  out.push_back('"');
}

}  // namespace

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

std::string JsonQuote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  AppendJsonQuoted(out, text);
  return out;
}

LogLine::LogLine(LogLevel level, absl::string_view event)
    : enabled_(static_cast<int>(level) >= State().min_level.load(std::memory_order_relaxed)) {
  if (!enabled_) return;
  line_.reserve(128);
  line_.append("{\"ts\":\"");
  // RFC 3339 in UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z.
  line_.append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
  line_.append("\",\"level\":\"");
  line_.append(LogLevelName(level).data(), LogLevelName(level).size());
  line_.append("\",\"event\":");
  AppendJsonQuoted(line_, event);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  line_.push_back('}');
  LogState& state = State();
  absl::MutexLock lock(&state.mutex);
  if (state.sink) {
    state.sink(line_);
  } else {
    line_.push_back('\n');
    WriteToStderr(line_);
  }
}

void LogLine::AppendKey(absl::string_view key) {
  line_.push_back(',');
  AppendJsonQuoted(line_, key);
  line_.push_back(':');
}

LogLine& LogLine::With(absl::string_view key, absl::string_view value) {
  if (!enabled_) return *this;
  AppendKey(key);
  AppendJsonQuoted(line_, value);
  return *this;
}

LogLine& LogLine::With(absl::string_view key, const char* value) {
  return With(key, value == nullptr ? absl::string_view() : absl::string_view(value));
}

LogLine& LogLine::With(absl::string_view key, const std::string& value) {
  return With(key, absl::string_view(value));
}

LogLine& LogLine::With(absl::string_view key, double value) {
  if (!enabled_) return *this;
  AppendKey(key);
  if (!std::isfinite(value)) {
    line_.append("null");  // JSON has no NaN or Infinity
    return *this;
  }
  // The shortest text that reads back as the same double ("12.5", not "12.500000").
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  line_.append(buffer, result.ptr);
  return *this;
}

LogLine& LogLine::With(absl::string_view key, bool value) {
  if (!enabled_) return *this;
  AppendKey(key);
  line_.append(value ? "true" : "false");
  return *this;
}

LogLine& LogLine::WithSigned(absl::string_view key, int64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  absl::StrAppend(&line_, value);
  return *this;
}

LogLine& LogLine::WithUnsigned(absl::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  AppendKey(key);
  absl::StrAppend(&line_, value);
  return *this;
}

LogLine Log(LogLevel level, absl::string_view event) { return LogLine(level, event); }

void SetLogSink(std::function<void(absl::string_view line)> sink) {
  LogState& state = State();
  absl::MutexLock lock(&state.mutex);
  state.sink = std::move(sink);
}

void SetMinLogLevel(LogLevel level) {
  State().min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

}  // namespace itaclip::server
