#include "core/text/pre_tokenizer.h"

#include "core/text/unicode_properties.h"
#include "core/text/utf8.h"

namespace itaclip::text {
namespace {

constexpr std::u32string_view kSpecialTokens[] = {U"<|startoftext|>", U"<|endoftext|>"};

// Case-insensitive match of a lowercase ASCII character against lowercased
// text.
bool LetterMatches(char32_t c, char32_t ascii_lower) {
  return c == ascii_lower || (ascii_lower == 's' && c == 0x017F);
}

bool SpecialTokenAt(std::u32string_view text, size_t pos, std::u32string_view special) {
  if (text.size() - pos < special.size()) return false;
  for (size_t i = 0; i < special.size(); ++i) {
    if (!LetterMatches(text[pos + i], special[i])) return false;
  }
  return true;
}

// The length of the contraction ('s 't 're 've 'm 'll 'd, tried in that order)
// at text[pos], or 0.
size_t ContractionLength(std::u32string_view text, size_t pos) {
  if (text[pos] != '\'' || pos + 1 >= text.size()) return 0;
  const char32_t a = text[pos + 1];
  if (LetterMatches(a, 's') || LetterMatches(a, 't')) return 2;
  const char32_t b = pos + 2 < text.size() ? text[pos + 2] : 0;
  if (LetterMatches(a, 'r') && LetterMatches(b, 'e')) return 3;
  if (LetterMatches(a, 'v') && LetterMatches(b, 'e')) return 3;
  if (LetterMatches(a, 'm')) return 2;
  if (LetterMatches(a, 'l') && LetterMatches(b, 'l')) return 3;
  if (LetterMatches(a, 'd')) return 2;
  return 0;
}

// The length of the pre-token at text[pos] (which is not whitespace).
size_t TokenLength(std::u32string_view text, size_t pos) {
  for (const std::u32string_view special : kSpecialTokens) {
    if (SpecialTokenAt(text, pos, special)) return special.size();
  }
  if (const size_t length = ContractionLength(text, pos); length > 0) return length;
  size_t end = pos;
  if (IsLetter(text[pos])) {
    while (end < text.size() && IsLetter(text[end])) ++end;
    return end - pos;
  }
  if (IsNumber(text[pos])) return 1;
  while (end < text.size() && !IsWhiteSpace(text[end]) && !IsLetter(text[end]) &&
         !IsNumber(text[end])) {
    ++end;
  }
  return end - pos;
}

}  // namespace

std::vector<std::string> PreTokenize(std::u32string_view cleaned) {
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < cleaned.size()) {
    if (IsWhiteSpace(cleaned[pos])) {
      ++pos;
      continue;
    }
    const size_t length = TokenLength(cleaned, pos);
    tokens.push_back(EncodeUtf8(cleaned.substr(pos, length)));
    pos += length;
  }
  return tokens;
}

}  // namespace itaclip::text
