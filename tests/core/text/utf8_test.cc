#include "core/text/utf8.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::text {
namespace {

using ::testing::HasSubstr;

TEST(Utf8Test, DecodesOneToFourByteSequences) {
  // "a", "é" (C3 A9), "€" (E2 82 AC), "😀" (F0 9F 98 80).
  const auto decoded = DecodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_EQ(EncodeUtf8(*decoded), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(Utf8Test, RoundTripsBoundaryCodePoints) {
  const std::u32string text = {0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
  const auto decoded = DecodeUtf8(EncodeUtf8(text));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, text);
}

TEST(Utf8Test, RejectsInvalidSequencesWithTheirOffset) {
  const struct {
    std::string bytes;
    const char* offset;
  } cases[] = {
      {"ab\x80", "offset 2"},            // stray continuation byte
      {"a\xC0\x80", "offset 1"},         // overlong NUL
      {"\xE0\x80\x80", "offset 0"},      // overlong 3-byte form
      {"xy\xED\xA0\x80", "offset 2"},    // surrogate U+D800
      {"\xF4\x90\x80\x80", "offset 0"},  // past U+10FFFF
      {"abc\xE2\x82", "offset 3"},       // truncated
      {"\xE2\x28\xA1", "offset 0"},      // bad continuation
      {"\xFF", "offset 0"},              // never valid
  };
  for (const auto& c : cases) {
    const auto decoded = DecodeUtf8(c.bytes);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(decoded.status().message(), HasSubstr(c.offset));
  }
}

}  // namespace
}  // namespace itaclip::text
