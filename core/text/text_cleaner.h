// CLIP's text cleaning (spec §2.3), ported from openai/CLIP's
// simple_tokenizer.py: ftfy.fix_text, then html.unescape twice, strip, every
// \s+ run to one space, strip, and str.lower.
//
// Exactness. For printable ASCII without '&' (every string ITACLIP feeds in)
// the result is exactly Python's, as it is for any text made only of printable
// ASCII and characters that the steps below leave alone. Elsewhere, because C++
// has no ftfy, the result is a documented approximation:
//
// 1. Input must be valid UTF-8 (checked strictly); anything else is
//    INVALID_ARGUMENT. Python's tokenizer takes a str, so it never sees
//    invalid bytes.
//
// 2. ftfy.fix_text is replaced by a subset of its steps, applied in ftfy 6's
//    order to each '\n'-separated segment:
//    a. if the segment has no '<', the HTML references that end in ';' are
//       decoded (HtmlUnescapeTerminated);
//    b. ANSI terminal escapes "ESC [ digits-or-';' letter" are removed;
//    c. the Latin ligatures IJ ij ŉ DŽ Dž dž LJ Lj lj NJ Nj nj DZ Dz dz ﬀ ﬁ ﬂ
//       ﬃ ﬄ ﬅ ﬆ are split into their letters;
//    d. fullwidth and halfwidth forms (U+FF01..U+FFEF) and U+3000 become their
//       NFKC form (fix_character_width);
//    e. the quotes U+02BC and U+2018..U+201B become ', and U+201C..U+201F
//       become ";
//    f. the control characters U+0000..U+0008, U+000B, U+000E..U+001F, U+007F,
//       U+206A..U+206F, U+FEFF and U+FFF9..U+FFFC are removed.
//    Not done: mojibake repair (fix_encoding and its variants), C1 control to
//    Windows-1252 repair, surrogate repair (impossible in valid UTF-8),
//    line-break normalisation (harmless: every line break is whitespace and
//    collapses anyway), and NFC normalisation (so "e" + U+0301 stays two code
//    points and tokenises differently from a precomposed "é").
//
// 3. html.unescape is Python's exactly for numeric references and for the
//    named references listed in html_unescape.h (the HTML 4.01 set); other
//    HTML5 names are left as text.
//
// 4. Whitespace is Unicode's White_Space property, the `regex` module's \s
//    (see IsWhiteSpace).
//
// 5. Lowercasing is Python's str.lower() for every single-code-point mapping
//    of Unicode 14.0 (all scripts, from generated tables), plus U+0130 -> "i"
//    U+0307. Final sigma is approximated: capital sigma becomes "ς" when the
//    previous code point is a letter and the next one is not. Python uses the
//    cased and case-ignorable properties instead, so e.g. "中Σ" and "Α.Σ"
//    differ.
//
// Thread-safe: pure functions.
#ifndef ITACLIP_CORE_TEXT_TEXT_CLEANER_H_
#define ITACLIP_CORE_TEXT_TEXT_CLEANER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::text {

// The whole cleaning pipeline above, on UTF-8 input. Returns code points, ready
// for PreTokenize. Errors: INVALID_ARGUMENT if `utf8` is not valid UTF-8 (the
// message gives the byte offset).
absl::StatusOr<std::u32string> CleanTextCodePoints(absl::string_view utf8);

// CleanTextCodePoints, encoded back to UTF-8.
absl::StatusOr<std::string> CleanText(absl::string_view utf8);

// OK when `utf8` keeps something to encode once cleaned: a code point that is neither white space
// nor default-ignorable (IsDefaultIgnorable: zero-width and other invisible characters; the
// control characters are removed by the cleaning itself). INVALID_ARGUMENT otherwise, and for
// invalid UTF-8. A class name without such a code point would give prompts without the class in
// them ("a photo of a ."), so vocabularies refuse it. (Python's CLIP would encode the zero-width
// characters as tokens of their own; refusing them is this project's input rule.)
absl::Status CheckHasTextOnceCleaned(absl::string_view utf8);

// The ftfy.fix_text subset described above (steps 1..6).
std::u32string FixTextLikeFtfy(std::u32string_view text);

// Replaces every run of whitespace with one space and removes leading and
// trailing whitespace.
std::u32string CollapseWhitespace(std::u32string_view text);

// Python's str.lower() as approximated above.
std::u32string LowercaseLikePython(std::u32string_view text);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_TEXT_CLEANER_H_
