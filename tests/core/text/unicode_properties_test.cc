#include "core/text/unicode_properties.h"

#include "gtest/gtest.h"

namespace itaclip::text {
namespace {

TEST(UnicodePropertiesTest, LettersAcrossScripts) {
  for (const char32_t c : {U'a', U'Z', U'é', U'ß', U'ł', U'Ω', U'ж', U'ա', U'א', U'ب', U'क', U'中',
                           U'あ', U'한', U'ª', U'ʰ'}) {
    EXPECT_TRUE(IsLetter(c)) << static_cast<uint32_t>(c);
    EXPECT_FALSE(IsNumber(c)) << static_cast<uint32_t>(c);
  }
  // Combining marks (category M), punctuation, symbols and emoji are not
  // letters.
  for (const char32_t c :
       {U'0', U' ', U'\'', U'-', U'\u0301', U'€', U'©', U'×', U'—', U'😀', U'、'}) {
    EXPECT_FALSE(IsLetter(c)) << static_cast<uint32_t>(c);
  }
}

TEST(UnicodePropertiesTest, NumbersIncludeOtherDigitsAndNumericSymbols) {
  // Nd in several scripts, No (superscripts, fractions), Nl (Roman numerals).
  for (const char32_t c : {U'0', U'9', U'٣', U'३', U'０', U'²', U'½', U'Ⅻ', U'①'}) {
    EXPECT_TRUE(IsNumber(c)) << static_cast<uint32_t>(c);
    EXPECT_FALSE(IsLetter(c)) << static_cast<uint32_t>(c);
  }
  EXPECT_FALSE(IsNumber(U'a'));
  EXPECT_FALSE(IsNumber(U'.'));
}

TEST(UnicodePropertiesTest, WhiteSpaceIsTheUnicodeProperty) {
  for (const char32_t c : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A,
                           0x2028, 0x2029, 0x202F, 0x205F, 0x3000}) {
    EXPECT_TRUE(IsWhiteSpace(c)) << c;
  }
  // Zero-width space and the BOM are not White_Space.
  for (const char32_t c : {U'\u200B', U'\uFEFF', U'\x1C', U'a', U'_'}) {
    EXPECT_FALSE(IsWhiteSpace(c)) << c;
  }
}

TEST(UnicodePropertiesTest, SimpleLowercaseCoversLatinGreekCyrillicAndMore) {
  const struct {
    char32_t upper;
    char32_t lower;
  } pairs[] = {{U'A', U'a'}, {U'Z', U'z'}, {U'É', U'é'},   {U'Þ', U'þ'}, {U'Ł', U'ł'},
               {U'Ź', U'ź'}, {U'Ÿ', U'ÿ'}, {U'Ω', U'ω'},   {U'Ά', U'ά'}, {U'Ж', U'ж'},
               {U'Ё', U'ё'}, {U'Ա', U'ա'}, {U'Ａ', U'ａ'}, {U'ẞ', U'ß'}, {U'Ⅻ', U'ⅻ'}};
  for (const auto& p : pairs) {
    EXPECT_EQ(SimpleLowercase(p.upper), p.lower) << static_cast<uint32_t>(p.upper);
    EXPECT_EQ(SimpleLowercase(p.lower), p.lower) << static_cast<uint32_t>(p.lower);
  }
  for (const char32_t c : {U'1', U'中', U'-', U'ß', U'ſ'}) EXPECT_EQ(SimpleLowercase(c), c);
}

TEST(UnicodePropertiesTest, NarrowWidthMapsFullwidthAndHalfwidthForms) {
  EXPECT_EQ(NarrowWidth(0xFF21), U'A');  // FULLWIDTH LATIN CAPITAL LETTER A
  EXPECT_EQ(NarrowWidth(0xFF10), U'0');  // FULLWIDTH DIGIT ZERO
  EXPECT_EQ(NarrowWidth(0xFF01), U'!');
  EXPECT_EQ(NarrowWidth(0x3000), U' ');   // IDEOGRAPHIC SPACE
  EXPECT_EQ(NarrowWidth(0xFF71), U'ア');  // HALFWIDTH KATAKANA LETTER A
  EXPECT_EQ(NarrowWidth(0xFFE0), U'¢');
  EXPECT_EQ(NarrowWidth(U'A'), 0u);
  EXPECT_EQ(NarrowWidth(U'中'), 0u);
}

}  // namespace
}  // namespace itaclip::text
