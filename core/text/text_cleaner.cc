#include "core/text/text_cleaner.h"

#include <utility>

#include "core/common/status_macros.h"
#include "core/text/html_unescape.h"
#include "core/text/unicode_properties.h"
#include "core/text/utf8.h"

namespace itaclip::text {
namespace {

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kFinalSigma = 0x03C2;

// ftfy's LIGATURES table: the code point and its replacement.
struct Ligature {
  char32_t from;
  const char32_t* to;
};
constexpr Ligature kLigatures[] = {
    {0x0132, U"IJ"},      {0x0133, U"ij"},      {0x0149, U"\u02BCn"}, {0x01C4, U"D\u017D"},
    {0x01C5, U"D\u017E"}, {0x01C6, U"d\u017E"}, {0x01C7, U"LJ"},      {0x01C8, U"Lj"},
    {0x01C9, U"lj"},      {0x01CA, U"NJ"},      {0x01CB, U"Nj"},      {0x01CC, U"nj"},
    {0x01F1, U"DZ"},      {0x01F2, U"Dz"},      {0x01F3, U"dz"},      {0xFB00, U"ff"},
    {0xFB01, U"fi"},      {0xFB02, U"fl"},      {0xFB03, U"ffi"},     {0xFB04, U"ffl"},
    {0xFB05, U"\u017Ft"}, {0xFB06, U"st"},
};

bool IsFtfyControl(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// ftfy's remove_terminal_escapes: drops "ESC [ (digit | ';')* letter".
std::u32string RemoveTerminalEscapes(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == '[') {
      size_t j = i + 2;
      while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == ';')) ++j;
      if (j < text.size() && text[j] < 0x80 &&
          ((text[j] | 0x20) >= 'a' && (text[j] | 0x20) <= 'z')) {
        i = j;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Steps 3..6 of the ftfy subset, which act on one code point at a time.
void AppendFixedCharacter(char32_t c, std::u32string& out) {
  for (const Ligature& ligature : kLigatures) {
    if (c == ligature.from) {
      // A ligature's letters go through the later steps too (ŉ's U+02BC becomes
      // ').
      for (const char32_t* p = ligature.to; *p != 0; ++p) AppendFixedCharacter(*p, out);
      return;
    }
  }
  if (c == 0xFFE3) {  // NFKC of FULLWIDTH MACRON is two code points.
    out.append(U" \u0304");
    return;
  }
  if (const char32_t narrow = NarrowWidth(c); narrow != 0) c = narrow;
  if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = '\'';
  if (c >= 0x201C && c <= 0x201F) c = '"';
  if (IsFtfyControl(c)) return;
  out.push_back(c);
}

}  // namespace

std::u32string FixTextLikeFtfy(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(U'\n', begin);
    end = (end == std::u32string_view::npos) ? text.size() : end + 1;
    std::u32string segment(text.substr(begin, end - begin));
    if (segment.find(U'<') == std::u32string::npos) segment = HtmlUnescapeTerminated(segment);
    segment = RemoveTerminalEscapes(segment);
    for (const char32_t c : segment) AppendFixedCharacter(c, out);
    begin = end;
  }
  return out;
}

std::u32string CollapseWhitespace(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char32_t c : text) {
    if (IsWhiteSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::u32string LowercaseLikePython(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == 0x0130) {
      out.append(U"i\u0307");
    } else if (c == kCapitalSigma) {
      const bool after_letter = i > 0 && IsLetter(text[i - 1]);
      const bool before_letter = i + 1 < text.size() && IsLetter(text[i + 1]);
      out.push_back(after_letter && !before_letter ? kFinalSigma : SimpleLowercase(c));
    } else {
      out.push_back(SimpleLowercase(c));
    }
  }
  return out;
}

absl::StatusOr<std::u32string> CleanTextCodePoints(absl::string_view utf8) {
  ASSIGN_OR_RETURN(std::u32string text, DecodeUtf8(utf8));
  text = FixTextLikeFtfy(text);
  // html.unescape twice, as CLIP's basic_clean does ("&amp;amp;" -> "&").
  text = HtmlUnescape(HtmlUnescape(text));
  return LowercaseLikePython(CollapseWhitespace(text));
}

absl::Status CheckHasTextOnceCleaned(absl::string_view utf8) {
  ASSIGN_OR_RETURN(const std::u32string cleaned, CleanTextCodePoints(utf8));
  for (const char32_t cp : cleaned) {
    if (!IsWhiteSpace(cp) && !IsDefaultIgnorable(cp)) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "it has no text once cleaned (only white space, control or zero-width characters)");
}

absl::StatusOr<std::string> CleanText(absl::string_view utf8) {
  ASSIGN_OR_RETURN(const std::u32string text, CleanTextCodePoints(utf8));
  return EncodeUtf8(text);
}

}  // namespace itaclip::text
