#include "core/text/text_cleaner.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "core/text/unicode_properties.h"
#include "gtest/gtest.h"

namespace itaclip::text {
namespace {

std::string Clean(const std::string& text) {
  const absl::StatusOr<std::string> cleaned = CleanText(text);
  EXPECT_TRUE(cleaned.ok()) << cleaned.status();
  return cleaned.ok() ? *cleaned : "<error>";
}

TEST(TextCleanerTest, AsciiIsStrippedCollapsedAndLowercased) {
  EXPECT_EQ(Clean("  It's   A  Photo\tof 2 CATS!!\n"), "it's a photo of 2 cats!!");
  EXPECT_EQ(Clean("wood "), "wood");
  EXPECT_EQ(Clean(""), "");
  EXPECT_EQ(Clean(" \t\n "), "");
  EXPECT_EQ(Clean("a photo of the cool wood ."), "a photo of the cool wood .");
}

TEST(TextCleanerTest, UnicodeWhitespaceRunsBecomeOneSpace) {
  // NBSP, ideographic space, em space, line separator, NEL.
  EXPECT_EQ(Clean("\xC2\xA0"
                  "a\xE3\x80\x80\xE2\x80\x83photo\xE2\x80\xA8\xC2\x85of\xC2\xA0"),
            "a photo of");
  // Zero-width space is not whitespace: it stays.
  EXPECT_EQ(Clean("a\xE2\x80\x8B"
                  "b"),
            "a\xE2\x80\x8B"
            "b");
}

TEST(TextCleanerTest, HtmlIsUnescapedTwiceAfterFtfysOwnPass) {
  EXPECT_EQ(Clean("fish &amp; chips"), "fish & chips");
  // ftfy decodes ';'-terminated references once (no '<' in the text), then CLIP
  // twice more.
  EXPECT_EQ(Clean("&amp;amp;amp;"), "&");
  // With a '<' ftfy leaves references alone and only CLIP's two passes run.
  EXPECT_EQ(Clean("<b> &amp;amp;amp;"), "<b> &amp;");
  // An unescaped NBSP is whitespace too.
  EXPECT_EQ(Clean("a&nbsp;&nbsp;b"), "a b");
}

TEST(TextCleanerTest, NonAsciiIsLowercased) {
  EXPECT_EQ(Clean("Café"), "café");
  EXPECT_EQ(Clean("ÉCOLE ŁÓDŹ"), "école łódź");
  EXPECT_EQ(Clean("ПРИВЕТ Мир"), "привет мир");
  EXPECT_EQ(Clean("ΑΒΓ"), "αβγ");
  EXPECT_EQ(Clean("日本語"), "日本語");
}

TEST(TextCleanerTest, PythonSpecialCasesOfLower) {
  // U+0130 lowercases to "i" + COMBINING DOT ABOVE.
  EXPECT_EQ(Clean("İ"), "i\xCC\x87");
  // Final sigma at the end of a word, ordinary sigma elsewhere.
  EXPECT_EQ(Clean("ΟΔΟΣ ΣΑ Σ"), "οδος σα σ");
}

TEST(TextCleanerTest, FtfySubsetFixesQuotesLigaturesWidthAndControls) {
  EXPECT_EQ(Clean("it\xE2\x80\x99s \xE2\x80\x9Cok\xE2\x80\x9D"), "it's \"ok\"");
  EXPECT_EQ(Clean("\xEF\xAC\x81ne \xEF\xAC\x84"), "fine ffl");
  EXPECT_EQ(Clean("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\x91"),
            "abc1");  // "ＡＢＣ１"
  EXPECT_EQ(Clean(std::string("a\x01"
                              "b\x7F"
                              "c\0d",
                              7)),
            "abcd");
  EXPECT_EQ(Clean("\xEF\xBB\xBFstart"), "start");  // byte-order mark
  EXPECT_EQ(Clean("\x1B[31mred\x1B[0m"), "red");   // ANSI colour codes
  // "&rsquo;" decoded by ftfy's own pass is uncurled; decoded later by CLIP
  // (text with '<') it is not.
  EXPECT_EQ(Clean("it&rsquo;s"), "it's");
  EXPECT_EQ(Clean("<it&rsquo;s"), "<it\xE2\x80\x99s");
}

TEST(TextCleanerTest, InvalidUtf8IsAnError) {
  const absl::StatusOr<std::string> cleaned = CleanText("bad \xC3\x28 text");
  EXPECT_EQ(cleaned.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TextCleanerTest, StepsAreUsableOnTheirOwn) {
  EXPECT_EQ(CollapseWhitespace(U"  a \t b  "), U"a b");
  EXPECT_EQ(LowercaseLikePython(U"ÀB"), U"àb");
  EXPECT_EQ(FixTextLikeFtfy(U"\u2018x\u2019"), U"'x'");
}

// Values from Unicode 14.0's DerivedCoreProperties.txt (Default_Ignorable_Code_Point).
TEST(TextCleanerTest, DefaultIgnorableCodePoints) {
  for (char32_t cp :
       {0x00AD, 0x034F, 0x061C, 0x115F, 0x180E, 0x200B, 0x200D,  0x200F,  0x202E,  0x2060,
        0x2065, 0x206F, 0x3164, 0xFE0F, 0xFEFF, 0xFFA0, 0x1BCA3, 0x1D17A, 0xE0001, 0xE0FFF}) {
    EXPECT_TRUE(IsDefaultIgnorable(cp)) << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp : {0x0041, 0x00AC, 0x00AE, 0x0350, 0x1161, 0x2010, 0x2070, 0xFE10, 0xFEFE,
                      0x1D17B, 0xE1000, 0x3000}) {
    EXPECT_FALSE(IsDefaultIgnorable(cp)) << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(TextCleanerTest, NamesWithoutTextOnceCleanedAreRefused) {
  for (const std::string& blank : {std::string(), std::string(1, '\0'), std::string("\x01\x1b\x7f"),
                                   std::string("\xe2\x80\x8b\xe2\x80\x8d\xef\xbb\xbf"),
                                   std::string(" \t\xe3\x80\x80\xc2\xa0"), std::string("&nbsp;")}) {
    const absl::Status status = CheckHasTextOnceCleaned(blank);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << absl::CEscape(blank);
  }
  for (const std::string& text : {std::string("cat"),
                                  std::string("\xe2\x80\x8b"
                                              "a"),
                                  std::string("."), std::string("7")}) {
    EXPECT_TRUE(CheckHasTextOnceCleaned(text).ok()) << absl::CEscape(text);
  }
  EXPECT_EQ(CheckHasTextOnceCleaned("\xff").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::text
