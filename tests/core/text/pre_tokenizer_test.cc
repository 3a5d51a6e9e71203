#include "core/text/pre_tokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::text {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PreTokenizerTest, WordsSymbolsAndSingleDigits) {
  EXPECT_THAT(PreTokenize(U"it's a photo of 2 cats!!"),
              ElementsAre("it", "'s", "a", "photo", "of", "2", "cats", "!!"));
  EXPECT_THAT(PreTokenize(U"3.14159 and 42"),
              ElementsAre("3", ".", "1", "4", "1", "5", "9", "and", "4", "2"));
  EXPECT_THAT(PreTokenize(U"sky-other"), ElementsAre("sky", "-", "other"));
  EXPECT_THAT(PreTokenize(U""), IsEmpty());
  EXPECT_THAT(PreTokenize(U"   "), IsEmpty());
}

TEST(PreTokenizerTest, WhitespaceIsNeverPartOfAToken) {
  EXPECT_EQ(PreTokenize(U"the cool wood ."), PreTokenize(U"the cool wood."));
  EXPECT_THAT(PreTokenize(U"a\u00a0b"), ElementsAre("a", "b"));
}

TEST(PreTokenizerTest, ContractionsMatchWithoutAWordBoundary) {
  EXPECT_THAT(PreTokenize(U"'sun"), ElementsAre("'s", "un"));
  EXPECT_THAT(
      PreTokenize(U"don't we'll they're i'm you've he'd"),
      ElementsAre("don", "'t", "we", "'ll", "they", "'re", "i", "'m", "you", "'ve", "he", "'d"));
  // "'x" is no contraction: the apostrophe is a symbol run.
  EXPECT_THAT(PreTokenize(U"'x"), ElementsAre("'", "x"));
  // A symbol run is greedy and swallows an apostrophe that could start a
  // contraction.
  EXPECT_THAT(PreTokenize(U"!!'s"), ElementsAre("!!'", "s"));
  // IGNORECASE: the long s folds to "s".
  EXPECT_THAT(PreTokenize(U"'\u017Fun"), ElementsAre("'\u017F", "un"));
}

TEST(PreTokenizerTest, SpecialTokenStrings) {
  EXPECT_THAT(PreTokenize(U"a<|endoftext|>b"), ElementsAre("a", "<|endoftext|>", "b"));
  EXPECT_THAT(PreTokenize(U"<|startoftext|>"), ElementsAre("<|startoftext|>"));
  // Inside a symbol run the special alternative never gets a chance.
  EXPECT_THAT(PreTokenize(U"!<|endoftext|>"), ElementsAre("!<|", "endoftext", "|>"));
}

TEST(PreTokenizerTest, NonAsciiLettersNumbersAndSymbols) {
  EXPECT_THAT(PreTokenize(U"café naïve"), ElementsAre("café", "naïve"));
  EXPECT_THAT(PreTokenize(U"日本語テキスト"), ElementsAre("日本語テキスト"));
  EXPECT_THAT(PreTokenize(U"٣٤½"), ElementsAre("٣", "٤", "½"));
  EXPECT_THAT(PreTokenize(U"😀😀 €5"), ElementsAre("😀😀", "€", "5"));
  // A combining mark is not a letter: it ends the letter run.
  EXPECT_THAT(PreTokenize(U"e\u0301t"), ElementsAre("e", "\u0301", "t"));
}

}  // namespace
}  // namespace itaclip::text
