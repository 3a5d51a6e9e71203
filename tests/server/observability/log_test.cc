// Tests of the JSON log line: escaping, field order and types, level filter, sink and stderr
// output.
#include "server/observability/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::StartsWith;

// Captures the logger's lines for the duration of a test.
class LogTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    SetMinLogLevel(LogLevel::kInfo);
    SetLogSink([this](absl::string_view line) {
      absl::MutexLock lock(&mutex_);
      lines_.emplace_back(line);
    });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    SetMinLogLevel(LogLevel::kInfo);
  }
  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mutex_);
    return lines_;
  }
  // The line without its leading {"ts":"...", part, which changes with the clock.
  static std::string WithoutTimestamp(const std::string& line) {
    const size_t comma = line.find("\",");
    return line.substr(comma == std::string::npos ? 0 : comma + 2);
  }

  absl::Mutex mutex_;
  std::vector<std::string> lines_;
};

TEST(JsonQuoteTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(JsonQuote(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(JsonQuote(""), R"("")");
}

TEST(JsonQuoteTest, EscapesEveryControlCharacterAsUnicode) {
  EXPECT_EQ(JsonQuote("a\nb\tc\rd"), R"("a\u000ab\u0009c\u000dd")");
  EXPECT_EQ(JsonQuote(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  // Space and DEL are not control characters for JSON (RFC 8259 §7 escapes only U+0000..U+001F).
  EXPECT_EQ(JsonQuote(" \x7f"), "\" \x7f\"");
}

TEST(JsonQuoteTest, KeepsValidUtf8AsIs) {
  // é (2 bytes), 漢 (3 bytes), 😀 (4 bytes), U+10FFFF (the largest code point).
  const std::string text = "caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
  EXPECT_EQ(JsonQuote(text), "\"" + text + "\"");
}

TEST(JsonQuoteTest, ReplacesEachByteOfInvalidUtf8) {
  EXPECT_EQ(JsonQuote("a\xff"
                      "b"),
            R"("a\ufffdb")");                                       // never valid in UTF-8
  EXPECT_EQ(JsonQuote("\x80"), R"("\ufffd")");                      // lone continuation byte
  EXPECT_EQ(JsonQuote("\xe6\xbc"), R"("\ufffd\ufffd")");            // 3-byte sequence cut short
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(JsonQuote("\xe0\x80\xaf"), R"("\ufffd\ufffd\ufffd")");  // overlong, 3 bytes
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // UTF-16 surrogate D800
  EXPECT_EQ(JsonQuote("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_EQ(JsonQuote("\xc3"
                      "A"),
            R"("\ufffdA")");  // lead byte then ASCII
}

TEST_F(LogTest, WritesFieldsInOrderWithTheirJsonTypes) {
  const std::string request_id = "abc-1";
  Log(LogLevel::kInfo, "rpc_done")
      .With("request_id", request_id)
      .With("code", "OK")
      .With("method", absl::string_view("Segment"))
      .With("ms", 12.5)
      .With("crops", 3)
      .With("bytes", int64_t{-5000000000})
      .With("images", size_t{18446744073709551615u})
      .With("cached", true)
      .With("tiny", 1e-7);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTimestamp(lines[0]),
            R"("level":"info","event":"rpc_done","request_id":"abc-1","code":"OK",)"
            R"("method":"Segment","ms":12.5,"crops":3,"bytes":-5000000000,)"
            R"("images":18446744073709551615,"cached":true,"tiny":1e-07})");
}

TEST_F(LogTest, TimestampIsRfc3339UtcWithMillisecondsAndCurrent) {
  const absl::Time before = absl::Now();
  Log(LogLevel::kWarning, "tick");
  const absl::Time after = absl::Now();
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  std::smatch match;
  ASSERT_TRUE(std::regex_match(
      lines[0], match,
      std::regex(R"re(\{"ts":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)","level":"warning",)re"
                 R"("event":"tick"\})")))
      << lines[0];
  absl::Time ts;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, match[1].str(), &ts, &error)) << error;
  // Milliseconds are truncated, so the stamp may be up to 1 ms before `before`.
  EXPECT_GE(ts, before - absl::Milliseconds(1));
  EXPECT_LE(ts, after);
}

TEST_F(LogTest, EscapesKeysValuesAndTheEvent) {
  Log(LogLevel::kError, "bad\"event").With("k\\ey", "line1\nline2");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTimestamp(lines[0]),
            R"("level":"error","event":"bad\"event","k\\ey":"line1\u000aline2"})");
}

TEST_F(LogTest, NonFiniteDoublesAreNull) {
  Log(LogLevel::kInfo, "numbers")
      .With("nan", std::numeric_limits<double>::quiet_NaN())
      .With("inf", std::numeric_limits<double>::infinity())
      .With("minus_inf", -std::numeric_limits<double>::infinity())
      .With("zero", 0.0);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(WithoutTimestamp(lines[0]),
            R"("level":"info","event":"numbers","nan":null,"inf":null,"minus_inf":null,"zero":0})");
}

TEST_F(LogTest, LevelsBelowTheMinimumAreDropped) {
  Log(LogLevel::kDebug, "hidden_by_default");
  SetMinLogLevel(LogLevel::kWarning);
  Log(LogLevel::kInfo, "dropped").With("x", 1);
  Log(LogLevel::kWarning, "kept_warning");
  Log(LogLevel::kError, "kept_error");
  SetMinLogLevel(LogLevel::kDebug);
  Log(LogLevel::kDebug, "kept_debug");
  std::vector<std::string> events;
  for (const std::string& line : Lines()) {
    const size_t start = line.find("\"event\":\"") + 9;
    events.push_back(line.substr(start, line.find('"', start) - start));
  }
  EXPECT_THAT(events, ElementsAre("kept_warning", "kept_error", "kept_debug"));
}

TEST_F(LogTest, ConcurrentLinesArriveWhole) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Log(LogLevel::kInfo, "work").With("thread", t).With("i", i);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesPerThread));
  const std::regex shape(R"(\{"ts":"[^"]+","level":"info","event":"work","thread":\d,"i":\d+\})");
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

// Without a sink, lines go to file descriptor 2, one per line, newline-terminated.
TEST_F(LogTest, WithoutASinkWritesLinesToStderr) {
  SetLogSink(nullptr);
  const std::string path = ScratchPath("stderr.txt");
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  const int saved_stderr = ::dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_EQ(::dup2(file, STDERR_FILENO), STDERR_FILENO);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 100; ++i) Log(LogLevel::kInfo, "to_stderr").With("i", i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(file);

  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  EXPECT_THAT(text, EndsWith("}\n"));
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 400u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, StartsWith("{\"ts\":\""));
    EXPECT_THAT(line, EndsWith("}"));
  }
}

TEST(LogLevelNameTest, NamesEveryLevel) {
  EXPECT_EQ(LogLevelName(LogLevel::kDebug), "debug");
  EXPECT_EQ(LogLevelName(LogLevel::kInfo), "info");
  EXPECT_EQ(LogLevelName(LogLevel::kWarning), "warning");
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

}  // namespace
}  // namespace itaclip::server
